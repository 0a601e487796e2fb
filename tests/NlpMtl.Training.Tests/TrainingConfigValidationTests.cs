using System.Text.Json.Nodes;
using NlpMtl.TestSupport;
using NlpMtl.Training;

namespace NlpMtl.Training.Tests;

/// <summary>Every out-of-range setting fails at load, naming its JSON path and the value found.</summary>
public class TrainingConfigValidationTests
{
    const string Valid = """
        {
          "tasks": {
            "sentiment": { "train": "s.tsv", "label_names": { "0": "negative", "1": "positive" } },
            "summarize": { "train": "s.jsonl" }
          },
          "sampling": { "method": "temperature", "temperature": 2 },
          "optimizer": { "learning_rate": 5e-5 },
          "evaluation": { "every_steps": 100 },
          "max_steps": 10
        }
        """;

    static string Write(string json)
    {
        var path = Path.Combine(Scratch.CreateDirectory("nlpmtl-config-").FullName, "train.json");
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>The valid config with <paramref name="path"/> (dotted) set to <paramref name="value"/>.</summary>
    static string With(string path, JsonNode? value)
    {
        var root = JsonNode.Parse(Valid)!;
        var keys = path.Split('.');
        var node = root;
        foreach (var key in keys[..^1])
            node = node[key] ??= new JsonObject();
        node[keys[^1]] = value;
        return Write(root.ToJsonString());
    }

    [Fact]
    public void ValidConfigLoads()
    {
        var config = TrainingConfig.Load(Write(Valid));
        Assert.Equal("auto", config.Precision);
        Assert.Equal("negative", config.Tasks["sentiment"].LabelNames!["0"]);
    }

    [Theory]
    [InlineData("optimizer.learning_rate", -1e-4)]
    [InlineData("optimizer.learning_rate", 0)]
    [InlineData("optimizer.head_learning_rate", -1)]
    [InlineData("optimizer.weight_decay", -0.1)]
    [InlineData("optimizer.warmup_ratio", 1.5)]
    [InlineData("optimizer.max_grad_norm", 0)]
    [InlineData("optimizer.accumulation_steps", 0)]
    [InlineData("optimizer.label_smoothing", -0.1)]
    [InlineData("evaluation.every_steps", 0)]
    [InlineData("evaluation.max_examples", 0)]
    [InlineData("evaluation.patience", -1)]
    [InlineData("evaluation.num_beams", 0)]
    [InlineData("evaluation.batch_size", 0)]
    [InlineData("evaluation.final_max_examples", 0)]
    [InlineData("evaluation.final_num_beams", 0)]
    [InlineData("sampling.temperature", 0)]
    [InlineData("max_steps", 0)]
    [InlineData("time_budget_minutes", -5)]
    [InlineData("threads", -1)]
    [InlineData("attention_dropout", 1)]
    [InlineData("tasks.sentiment.batch_size", 0)]
    [InlineData("tasks.sentiment.weight", 0)]
    [InlineData("tasks.summarize.sampling_weight", -1)]
    [InlineData("tasks.sentiment.max_source_length", 0)]
    [InlineData("tasks.sentiment.max_train_examples", 0)]
    [InlineData("tasks.sentiment.dropout", 1.2)]
    [InlineData("tasks.summarize.max_target_length", 1)]
    [InlineData("tasks.summarize.decoder_layers", 0)]
    [InlineData("tasks.summarize.num_beams", 0)]
    [InlineData("tasks.summarize.no_repeat_ngram_size", -2)]
    [InlineData("tasks.summarize.sentence_salience_weight", -1)]
    [InlineData("tasks.summarize.sentence_salience_encoder_epochs", -1)]
    [InlineData("tasks.sentiment.windows_per_pass", 0)]
    public void OutOfRangeValueIsNamedByItsJsonPath(string path, double value)
    {
        var file = With(path, value);
        var error = Assert.Throws<InvalidDataException>(() => TrainingConfig.Load(file));
        Assert.Contains($"{file}: {path} ", error.Message);
        Assert.Contains($"was {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}", error.Message);
    }

    [Theory]
    [InlineData("precision", "fp16", "precision 'fp16'")]
    [InlineData("tasks.sentiment.pooling", "max", "tasks.sentiment.pooling 'max'")]
    [InlineData(
        "tasks.summarize.label_names.0",
        "negative",
        "tasks.summarize.label_names is for the sentiment head only"
    )]
    [InlineData(
        "tasks.sentiment.label_names.1",
        "negative",
        "tasks.sentiment.label_names gives two labels the same name"
    )]
    public void InvalidNameIsNamedByItsJsonPath(string path, string value, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => TrainingConfig.Load(With(path, value)));
        Assert.Contains(expected, error.Message);
    }

    /// <summary>The valid config with a translate task in the given languages (null: not given).</summary>
    static string WithTranslation(string? sourceLanguage, string? targetLanguage)
    {
        var root = JsonNode.Parse(Valid)!;
        var translate = new JsonObject { ["train"] = "t.en", ["train_target"] = "t.de" };
        if (sourceLanguage is not null)
            translate["source_language"] = sourceLanguage;
        if (targetLanguage is not null)
            translate["target_language"] = targetLanguage;
        root["tasks"]!["translate"] = translate;
        return Write(root.ToJsonString());
    }

    [Fact]
    public void TranslationLanguagesLoadInPairsAndMustBeKnown()
    {
        var translate = TrainingConfig.Load(WithTranslation("en", "de")).Tasks["translate"];
        Assert.Equal(("en", "de"), (translate.SourceLanguage, translate.TargetLanguage));
        Assert.Null(TrainingConfig.Load(WithTranslation(null, null)).Tasks["translate"].TargetLanguage);

        var one = Assert.Throws<InvalidDataException>(() => TrainingConfig.Load(WithTranslation(null, "de")));
        Assert.Contains("tasks.translate: give both source_language and target_language", one.Message);
        var unknown = Assert.Throws<InvalidDataException>(() =>
            TrainingConfig.Load(WithTranslation("en", "xx-nowhere"))
        );
        Assert.Contains("tasks.translate.target_language 'xx-nowhere' is not a language", unknown.Message);
        var summarize = Assert.Throws<InvalidDataException>(() =>
            TrainingConfig.Load(With("tasks.summarize.target_language", "de"))
        );
        Assert.Contains(
            "tasks.summarize.source_language and target_language are for the translate head",
            summarize.Message
        );
    }

    [Fact]
    public void WindowsPerPassIsForTheSentimentHeadOnly()
    {
        Assert.Equal(
            1,
            TrainingConfig.Load(With("tasks.sentiment.windows_per_pass", 1)).Tasks["sentiment"].WindowsPerPass
        );
        var error = Assert.Throws<InvalidDataException>(() =>
            TrainingConfig.Load(With("tasks.summarize.windows_per_pass", 1))
        );
        Assert.Contains("tasks.summarize.windows_per_pass is for the sentiment head only", error.Message);
    }

    [Fact]
    public void ASentenceClassifierIsForTheSummarizerOnly()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            TrainingConfig.Load(With("tasks.sentiment.sentence_salience_weight", 0.5))
        );
        Assert.Contains("tasks.sentiment.sentence_salience_weight is for the summarize head only", error.Message);
        var epochs = Assert.Throws<InvalidDataException>(() =>
            TrainingConfig.Load(With("tasks.sentiment.sentence_salience_encoder_epochs", 1))
        );
        Assert.Contains(
            "tasks.sentiment.sentence_salience_encoder_epochs is for the summarize head only",
            epochs.Message
        );
        Assert.Equal(
            1,
            TrainingConfig
                .Load(With("tasks.summarize.sentence_salience_encoder_epochs", 1))
                .Tasks["summarize"]
                .SentenceSalienceEncoderEpochs
        );
        Assert.Equal(
            0.5,
            TrainingConfig
                .Load(With("tasks.summarize.sentence_salience_weight", 0.5))
                .Tasks["summarize"]
                .SentenceSalienceWeight
        );
    }
}
