using System.Text;
using System.Text.Json;
using NlpMtl.Core.Tokenization;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Checkpoints;

namespace NlpMtl.Modeling.Pretrained;

/// <summary>Writes the embedded all-MiniLM-L6-v2 as a standard HF checkpoint directory.</summary>
public static class PretrainedCheckpointWriter
{
    public sealed record Written(
        string Directory,
        BertConfig Config,
        OnnxBertImporter.ImportAccount Account,
        int Tensors
    );

    public static Written WriteMiniLm(string directory)
    {
        var source = $"{EmbeddedMiniLm.AssemblyPath}!model.onnx";
        using var scope = TorchSharp.torch.NewDisposeScope();
        var import = OnnxBertImporter.Import(EmbeddedMiniLm.ReadModelOnnx(), source);
        Directory.CreateDirectory(directory);
        import.Config.Save(Path.Combine(directory, CheckpointFiles.Config));
        BertCheckpoint.WriteSafetensors(Path.Combine(directory, CheckpointFiles.Safetensors), import.StateDict);
        // The package stores vocab.txt with CRLF endings; HF's load_vocab strips only "\n", so write LF.
        var vocab = Encoding.UTF8.GetString(EmbeddedMiniLm.ReadVocab()).ReplaceLineEndings("\n");
        File.WriteAllText(Path.Combine(directory, CheckpointFiles.Vocab), vocab, new UTF8Encoding(false));
        File.WriteAllText(
            Path.Combine(directory, CheckpointFiles.TokenizerConfig),
            JsonSerializer.Serialize(
                new
                {
                    tokenizer_class = "BertTokenizer",
                    do_lower_case = true,
                    strip_accents = (bool?)null,
                    tokenize_chinese_chars = true,
                    model_max_length = import.Config.MaxPositionEmbeddings,
                    unk_token = "[UNK]",
                    sep_token = "[SEP]",
                    pad_token = "[PAD]",
                    cls_token = "[CLS]",
                    mask_token = "[MASK]",
                },
                new JsonSerializerOptions { WriteIndented = true }
            )
        );
        // HF tokenizers' file for the same tokenizer, so that every checkpoint (and the bundles made from it) carries
        // the tokenizer.json that decides its ids.
        TokenizerJson.Write(
            Path.Combine(directory, CheckpointFiles.TokenizerJson),
            TokenizerSource.FromVocab(
                Path.Combine(directory, CheckpointFiles.Vocab),
                Path.Combine(directory, CheckpointFiles.TokenizerConfig)
            )
        );
        return new Written(directory, import.Config, import.Account, import.StateDict.Count);
    }
}
