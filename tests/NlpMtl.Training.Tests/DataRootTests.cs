using NlpMtl.TestSupport;
using NlpMtl.Training;

namespace NlpMtl.Training.Tests;

/// <summary> Data paths of a config: bare relative ones under the data root (<c>--data</c>, else <c>NLPMTL_DATA</c>),
/// <c>./</c> and <c>../</c> ones beside the config, absolute ones as they are. In the TorchSharp collection because one
/// test sets NLPMTL_DATA for the process, and the trainer tests that load configs run there too. </summary>
[Collection(TorchCollection.Name)]
public sealed class DataRootTests : IDisposable
{
    readonly string root = Scratch.CreateDirectory("nlpmtl-dataroot-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    string Write(string relative, string text = "sentence\tlabel\ngood\t1\n")
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    string Config(string train) =>
        Write(Path.Combine("configs", "run.json"), $$"""{ "tasks": { "sentiment": { "train": "{{train}}" } } }""");

    [Fact]
    public void BarePathsAreReadUnderTheDataRoot()
    {
        var data = Path.Combine(root, "data");
        var expected = Write(Path.Combine("data", "sst2", "train.tsv"));

        var config = TrainingConfig.Load(Config("sst2/train.tsv"), data);

        Assert.Equal(data, config.DataRoot);
        Assert.Equal(expected, config.ResolveData(config.Tasks["sentiment"].Train));
    }

    [Fact]
    public void DotRelativeAndAbsolutePathsIgnoreTheDataRoot()
    {
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(data);
        var beside = Write(Path.Combine("samples", "sentiment.tsv"));

        var config = TrainingConfig.Load(Config("../samples/sentiment.tsv"), data);

        Assert.Equal(beside, config.ResolveData("../samples/sentiment.tsv"));
        Assert.Equal(beside, config.ResolveData(beside));
    }

    [Fact]
    public void WithoutADataRootBarePathsAreReadBesideTheConfigOrNamed()
    {
        var beside = Write(Path.Combine("configs", "train.tsv"));
        var config = TrainingConfig.Load(Config("train.tsv")) with { DataRoot = null };

        Assert.Equal(beside, config.ResolveData("train.tsv"));
        var error = Assert.Throws<FileNotFoundException>(() => config.ResolveData("sst2/train.tsv"));
        Assert.Contains("pass --data DIR or set NLPMTL_DATA", error.Message);
    }

    [Fact]
    public void MissingFileUnderTheRootNamesTheRoot()
    {
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(data);
        var config = TrainingConfig.Load(Config("sst2/train.tsv"), data);

        var error = Assert.Throws<FileNotFoundException>(() => config.ResolveData("sst2/train.tsv"));

        Assert.Contains($"not found under the data root {data}", error.Message);
    }

    [Fact]
    public void DataOptionWinsOverTheVariableAndTheVariableIsTheDefault()
    {
        var saved = Environment.GetEnvironmentVariable(TrainingConfig.DataRootVariable);
        var fromVariable = Path.Combine(root, "variable");
        var fromOption = Path.Combine(root, "option");
        Directory.CreateDirectory(fromVariable);
        Directory.CreateDirectory(fromOption);
        var config = Config("sst2/train.tsv");
        try
        {
            Environment.SetEnvironmentVariable(TrainingConfig.DataRootVariable, fromVariable);
            Assert.Equal(fromVariable, TrainingConfig.Load(config).DataRoot);
            Assert.Equal(fromOption, TrainingConfig.Load(config, fromOption).DataRoot);
            Environment.SetEnvironmentVariable(TrainingConfig.DataRootVariable, Path.Combine(root, "missing"));
            var error = Assert.Throws<DirectoryNotFoundException>(() => TrainingConfig.Load(config));
            Assert.Contains("NLPMTL_DATA", error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(TrainingConfig.DataRootVariable, saved);
        }
    }

    /// <summary> The shipped configs run on any machine: data they do not ship is read under the data root (the layout
    /// <c>nlpmtl data get</c> writes, and the mixes of scripts/recipe-data.sh for full.json), data they ship beside
    /// them (samples/) by a ./ or ../ path; no path leaves the checkout. </summary>
    [Theory]
    [InlineData("full.json")]
    [InlineData("sentiment-sst2.json")]
    [InlineData("demo.json")]
    public void ShippedConfigsReadTheirDataUnderTheDataRootOrBesideThem(string file)
    {
        var data = Path.Combine(root, "data");
        foreach (
            var layout in new[]
            {
                "sst2/train.tsv",
                "sst2/validation.tsv",
                "sst2/glue_dev.tsv",
                "scitldr/train.jsonl",
                "scitldr/validation.jsonl",
                "multi30k/train.en",
                "multi30k/train.de",
                "multi30k/val.en",
                "multi30k/val.de",
                "sentiment/train.tsv",
                "translate/train.en",
                "translate/train.de",
            }
        )
            Write(Path.Combine("data", layout));
        Directory.CreateDirectory(Path.Combine(data, "translate", "tokenizer"));
        var path = Path.Combine(AppContext.BaseDirectory, "configs", file);

        var config = TrainingConfig.Load(path, data);

        var checkout = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory));
        foreach (var (task, settings) in config.Tasks)
        foreach (
            var dataPath in new[]
            {
                settings.Train,
                settings.TrainTarget,
                settings.Validation,
                settings.ValidationTarget,
            }.OfType<string>()
        )
        {
            var resolved = config.ResolveData(dataPath);
            Assert.True(File.Exists(resolved), $"{file}: tasks.{task}: {dataPath} → {resolved}");
            Assert.True(
                resolved.StartsWith(data, StringComparison.Ordinal)
                    || resolved.StartsWith(checkout, StringComparison.Ordinal),
                $"{file}: tasks.{task}: {dataPath} resolves outside the data root and the checkout ({resolved})"
            );
        }
        foreach (var (task, settings) in config.Tasks.Where(t => t.Value.TargetTokenizer is not null))
            Assert.True(
                Directory.Exists(config.ResolveDataDirectory(settings.TargetTokenizer!)),
                $"{file}: tasks.{task}.target_tokenizer"
            );
    }
}
