using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Checkpoints;

namespace NlpMtl.Modeling.MultiTask;

/// <summary> A multi-task checkpoint is an HF BERT checkpoint directory — <c>config.json</c>, <c>model.safetensors</c>,
/// <c>vocab.txt</c>, <c>tokenizer_config.json</c>, <c>tokenizer.json</c> — plus <c>heads.json</c> and, for
/// target-vocabulary decoders, the target tokenizer's files in a sub-directory. HF (or <see cref="BertCheckpoint"/>)
/// loads the encoder from it as is. </summary>
public static class MultiTaskCheckpoint
{
    /// <param name="tokenizerSource">Directory holding the encoder's tokenizer files (those it has are copied).</param>
    /// <param name="targetTokenizerSources">Per task, the directory of its target tokenizer files.</param>
    public static void Save(
        MultiTaskModel model,
        string directory,
        string tokenizerSource,
        IReadOnlyDictionary<string, string>? targetTokenizerSources = null
    )
    {
        Directory.CreateDirectory(directory);
        (model.EncoderConfig with { Architectures = [MultiTaskModel.Architecture] }).Save(
            Path.Combine(directory, CheckpointFiles.Config)
        );
        model.Config.Save(Path.Combine(directory, MultiTaskConfig.FileName));
        BertCheckpoint.WriteSafetensors(Path.Combine(directory, CheckpointFiles.Safetensors), model.state_dict());
        foreach (
            var file in new[] { CheckpointFiles.Vocab, CheckpointFiles.TokenizerConfig, CheckpointFiles.TokenizerJson }
        )
        {
            var source = Path.Combine(tokenizerSource, file);
            var target = Path.Combine(directory, file);
            if (File.Exists(source) && !SamePath(source, target))
                File.Copy(source, target, overwrite: true);
        }
        foreach (var (task, source) in targetTokenizerSources ?? new Dictionary<string, string>())
        {
            var subdirectory = model.Config.Decoder(task).TargetTokenizerDirectory
                ?? throw new InvalidOperationException(
                    $"{task}: a target tokenizer was given but heads.json names no directory for it"
                );
            CopyDirectory(source, Path.Combine(directory, subdirectory));
        }
    }

    /// <summary>Loads a checkpoint written by <see cref="Save"/>; strict, like
    /// <see cref="BertCheckpoint.Load"/>.</summary>
    public static MultiTaskModel Load(string directory)
    {
        var encoderConfig = BertConfig.Load(Path.Combine(directory, CheckpointFiles.Config));
        var headsPath = Path.Combine(directory, MultiTaskConfig.FileName);
        if (!File.Exists(headsPath))
            throw new FileNotFoundException(
                $"{headsPath}: not a multi-task checkpoint (no {MultiTaskConfig.FileName})"
            );
        var heads = MultiTaskConfig.Load(headsPath);
        var weights = Path.Combine(directory, CheckpointFiles.Safetensors);
        var model = new MultiTaskModel(
            new BertModel(encoderConfig with { Architectures = ["BertModel"] }),
            heads,
            warmStartDecoders: false
        );
        return StateDictLoader.LoadInto(model, [weights], weights);
    }

    static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);

    static void CopyDirectory(string source, string target)
    {
        if (SamePath(source, target))
            return;
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
    }
}
