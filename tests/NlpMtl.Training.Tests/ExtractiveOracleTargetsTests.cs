using NlpMtl.Core;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.TestSupport;
using NlpMtl.Training;

namespace NlpMtl.Training.Tests;

/// <summary><c>extractive_oracle_targets</c>: each document marked by <c>source_labels</c> trains on its oracle
/// too.</summary>
[Collection(TorchCollection.Name)]
public class ExtractiveOracleTargetsTests(PretrainedFixture fixture)
{
    const string Marked =
        "{\"source\": [\"We study memory.\", \"We propose recomputing activations.\", \"It halves memory.\"], "
        + "\"source_labels\": [0, 1, 0], \"target\": \"Recompute to save memory.\"}\n"
        + "{\"source\": [\"Models repeat.\", \"We fix the objective.\"], \"source_labels\": [0, 0], \"target\": "
        + "\"A new objective stops repetition.\"}\n";

    TaskData Load(string jsonl, bool oracleTargets)
    {
        var root = fixture.NewDirectory("oracle");
        var train = Path.Combine(root, "train.jsonl");
        File.WriteAllText(train, jsonl);
        return TinyRun.LoadTask(
            root,
            TaskNames.Summarize,
            new
            {
                train,
                batch_size = 2,
                max_source_length = 64,
                max_target_length = 24,
                decoder_layers = 1,
                extractive_oracle_targets = oracleTargets,
            }
        );
    }

    [Fact]
    public void MarkedDocumentsAddTheirOracleSentenceAsASecondPair()
    {
        var data = Load(Marked, oracleTargets: true);

        // Document 1: its TLDR, then its oracle; document 2 marks no sentence, so only its TLDR.
        Assert.Equal(3, data.Train.Count);
        Assert.Equal(data.Train[0].SourceIds, data.Train[1].SourceIds);
        Assert.Equal(data.Vocabulary!.EncodeTarget("Recompute to save memory.", 24), data.Train[0].TargetIds);
        Assert.Equal(data.Vocabulary.EncodeTarget("We propose recomputing activations.", 24), data.Train[1].TargetIds);
        Assert.Equal(data.Vocabulary.EncodeTarget("A new objective stops repetition.", 24), data.Train[2].TargetIds);
    }

    [Fact]
    public void OracleTargetsDoNotRaiseTheTasksSamplingWeight()
    {
        var withOracles = Load(Marked, oracleTargets: true);
        var without = Load(Marked, oracleTargets: false);

        // Three training pairs from two documents: proportional and temperature sampling weigh the task by its two
        // documents either way, so a second target per document does not also double the task's share of steps.
        Assert.Equal(3, withOracles.Train.Count);
        Assert.Equal(
            2,
            TaskData.SamplingSizes(new Dictionary<string, TaskData> { [TaskNames.Summarize] = withOracles })[
                TaskNames.Summarize
            ]
        );
        Assert.Equal(
            2,
            TaskData.SamplingSizes(new Dictionary<string, TaskData> { [TaskNames.Summarize] = without })[
                TaskNames.Summarize
            ]
        );
    }

    [Fact]
    public void WithoutTheSettingOnlyReferencesAreTrained()
    {
        Assert.Equal(2, Load(Marked, oracleTargets: false).Train.Count);
    }

    [Fact]
    public void DataWithoutSourceLabelsIsAnErrorNamingTheFile()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            Load("{\"source\": [\"A.\", \"B.\"], \"target\": \"t\"}\n", oracleTargets: true)
        );

        Assert.Contains(
            "train.jsonl: extractive_oracle_targets is set but no example marks sentences with 'source_labels'",
            error.Message
        );
    }

    [Fact]
    public void TheSettingOnASentimentTaskIsAConfigError()
    {
        var root = fixture.NewDirectory("oracle-config");
        var path = TinyRun.WriteConfig(root, "encoder", [TaskNames.Sentiment], edit: c =>
            c["tasks"] = new Dictionary<string, object>
            {
                [TaskNames.Sentiment] = new { train = "x.tsv", extractive_oracle_targets = true },
            }
        );

        var error = Assert.Throws<InvalidDataException>(() => TrainingConfig.Load(path));

        Assert.Contains("tasks.sentiment.extractive_oracle_targets is for decoder heads only", error.Message);
    }
}
