using System.Text.Json;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Checkpoints;
using NlpMtl.Training;
using static TorchSharp.torch;

namespace NlpMtl.Training.Tests;

/// <summary>
/// A tiny encoder (HF's BertModelTester sizes, with the real MiniLM WordPiece vocabulary so the shipped samples
/// tokenize as in production) and training configs over the shipped samples: fast enough for unit tests.
/// </summary>
public static class TinyRun
{
    static readonly string Output = AppContext.BaseDirectory;

    public static BertConfig EncoderConfig =>
        BertConfig.Tiny with
        {
            VocabSize = 30522,
            MaxPositionEmbeddings = 128,
            TypeVocabSize = 2,
        };

    /// <summary>Writes a random-initialised tiny encoder checkpoint (seeded, so every call writes the same
    /// weights).</summary>
    public static string WriteEncoder(string directory)
    {
        Directory.CreateDirectory(directory);
        manual_seed(11);
        using var model = new BertModel(EncoderConfig);
        BertCheckpoint.Save(model, directory);
        File.Copy(
            Path.Combine(Output, "tokenizers", "all-MiniLM-L6-v2", "vocab.txt"),
            Path.Combine(directory, "vocab.txt"),
            overwrite: true
        );
        return directory;
    }

    /// <summary>One task's data as the trainer loads it, from a config of <paramref name="settings"/> (the task's JSON
    /// object) over the tiny encoder, all written under <paramref name="root"/>.</summary>
    public static TaskData LoadTask(string root, string task, object settings)
    {
        var encoder = WriteEncoder(Path.Combine(root, "encoder"));
        var config = TrainingConfig.Load(
            WriteConfig(root, encoder, [task], edit: c =>
                c["tasks"] = new Dictionary<string, object> { [task] = settings }
            )
        );
        return TrainingSetup.LoadData(config, new TrainerOptions { OutputDirectory = root }, encoder)[task];
    }

    /// <summary>A config training <paramref name="tasks"/> on the samples, written to DIR/train.json.</summary>
    /// <param name="copy">Give the summarize head a pointer-generator.</param>
    /// <param name="sentenceSalienceWeight">Train the summarizer's sentence classifier at this weight (0: none;
    /// null: the setting left out).</param>
    public static string WriteConfig(
        string directory,
        string encoder,
        string[] tasks,
        Action<Dictionary<string, object>>? edit = null,
        bool copy = false,
        double? sentenceSalienceWeight = null
    )
    {
        string Sample(string file) => Path.Combine(Output, "samples", file);
        var all = new Dictionary<string, object>
        {
            ["sentiment"] = new
            {
                train = Sample("sentiment.tsv"),
                validation = Sample("sentiment.tsv"),
                batch_size = 8,
                max_source_length = 32,
            },
            ["summarize"] = new
            {
                train = Sample("summarize.jsonl"),
                validation = Sample("summarize.jsonl"),
                batch_size = 4,
                max_source_length = 96,
                max_target_length = 24,
                decoder_layers = 1,
                num_beams = 2,
                copy,
                sentence_salience_weight = sentenceSalienceWeight,
            },
            ["translate"] = new
            {
                train = Sample("translate.en"),
                train_target = Sample("translate.de"),
                validation = Sample("translate.en"),
                validation_target = Sample("translate.de"),
                vocabulary = "target",
                target_tokenizer = Path.Combine(Output, "tokenizers", "multi30k-de"),
                batch_size = 8,
                max_source_length = 32,
                max_target_length = 24,
                decoder_layers = 2,
            },
        };
        var config = new Dictionary<string, object>
        {
            ["base_model"] = encoder,
            ["seed"] = 5,
            ["tasks"] = tasks.ToDictionary(t => t, t => all[t]),
            ["sampling"] = new { method = "uniform" },
            ["optimizer"] = new { learning_rate = 1e-3, warmup_ratio = 0.1 },
            ["evaluation"] = new
            {
                every_steps = 4,
                max_examples = 6,
                patience = 0,
                batch_size = 8,
                final = false,
            },
            ["max_steps"] = 8,
            ["threads"] = 2,
            ["precision"] = "fp32", // the same steps on every CPU ("auto" would take bf16 on some)
        };
        edit?.Invoke(config);
        var path = Path.Combine(directory, "train.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return path;
    }
}
