using NlpMtl.Core.Tokenization;

namespace NlpMtl.Core.Tests.Tokenization;

public sealed class TargetTokenizerFilesTests : IDisposable
{
    static readonly string Committed = Path.Combine(AppContext.BaseDirectory, "tokenizers", "multi30k-de");
    readonly string directory = Path.Combine(Path.GetTempPath(), "nlpmtl-target-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
    }

    string ConfigPath => Path.Combine(directory, TargetTokenizerFiles.ConfigFile);
    string KeptPath => Path.Combine(directory, TargetTokenizerFiles.KeptTokensFile);

    [Fact]
    public void SaveThenLoadGivesIdenticalIds()
    {
        var built = TargetTokenizer.Build(TargetTokenizerTests.German, new TargetTokenizerOptions { MinCount = 2 });
        built.Save(directory);

        var loaded = TargetTokenizer.Load(directory);

        Assert.Equal(built.VocabSize, loaded.VocabSize);
        Assert.Equal(built.BaseEncoding, loaded.BaseEncoding);
        Assert.Equal(2, loaded.Options.MinCount);
        Assert.Equal(built.KeptBaseIds, loaded.KeptBaseIds);
        foreach (var text in TargetTokenizerTests.German.Append("Ein Hund 🐕 läuft 北京"))
            Assert.Equal(built.Encode(text), loaded.Encode(text));
    }

    [Fact]
    public void PartialCharacterTokenSurvivesSaveAndLoad()
    {
        var built = TargetTokenizer.Build(["🐕 und ein Hund"], new TargetTokenizerOptions { MinCount = 1 });
        built.Save(directory);

        var loaded = TargetTokenizer.Load(directory);

        Assert.Equal(built.Encode("🐕"), loaded.Encode("🐕"));
        Assert.Equal("🐕", loaded.Decode(loaded.Encode("🐕")));
    }

    public static TheoryData<string, string> Corruptions =>
        new()
        {
            { "delete", TargetTokenizerFiles.ConfigFile },
            { "delete", TargetTokenizerFiles.KeptTokensFile },
            { "not json", TargetTokenizerFiles.ConfigFile },
            { "wrong format", TargetTokenizerFiles.ConfigFile },
            { "unknown base encoding", TargetTokenizerFiles.ConfigFile },
            { "shifted ids", TargetTokenizerFiles.ConfigFile },
            { "not a number", TargetTokenizerFiles.KeptTokensFile },
            { "bytes of another token", TargetTokenizerFiles.KeptTokensFile },
            { "duplicate line", TargetTokenizerFiles.KeptTokensFile },
            { "truncated", TargetTokenizerFiles.KeptTokensFile },
        };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void LoadOfCorruptOrMissingFileFailsNamingTheFile(string corruption, string file)
    {
        TargetTokenizer.Build(TargetTokenizerTests.German, new TargetTokenizerOptions { MinCount = 1 }).Save(directory);
        var config = File.ReadAllText(ConfigPath);
        var kept = File.ReadAllLines(KeptPath);
        switch (corruption)
        {
            case "delete":
                File.Delete(Path.Combine(directory, file));
                break;
            case "not json":
                File.WriteAllText(ConfigPath, "{ \"format\": ");
                break;
            case "wrong format":
                File.WriteAllText(ConfigPath, config.Replace("nlpmtl-target-tokenizer", "something-else"));
                break;
            case "unknown base encoding":
                File.WriteAllText(ConfigPath, config.Replace("o200k_base", "no_such_base"));
                break;
            case "shifted ids":
                File.WriteAllText(ConfigPath, config.Replace("\"first_token_id\": 259", "\"first_token_id\": 260"));
                break;
            case "not a number":
                File.WriteAllLines(KeptPath, [kept[0], "abc\t6869", .. kept[2..]]);
                break;
            case "bytes of another token":
                File.WriteAllLines(KeptPath, [kept[0].Split('\t')[0] + "\t" + kept[1].Split('\t')[1], .. kept[1..]]);
                break;
            case "duplicate line":
                File.WriteAllLines(KeptPath, [kept[0], kept[0], .. kept[2..]]);
                break;
            case "truncated":
                File.WriteAllLines(KeptPath, kept[..^1]);
                break;
        }

        var error = Assert.ThrowsAny<Exception>(() => TargetTokenizer.Load(directory));

        Assert.True(error is FileNotFoundException or InvalidDataException, error.GetType().Name);
        Assert.Contains(Path.Combine(directory, file), error.Message);
    }

    [Fact]
    public void CommittedMulti30kVocabularyLoadsAndRoundTrips()
    {
        const string text = "Größere Äpfel fielen über die Straße, nicht wahr?";

        var tokenizer = TargetTokenizer.Load(Committed);
        var ids = tokenizer.Encode(text);

        Assert.Equal("o200k_base", tokenizer.BaseEncoding);
        Assert.InRange(tokenizer.VocabSize, 2_000, 20_000);
        Assert.Equal(text, tokenizer.Decode(ids));
        // Common German words are whole tokens: far fewer ids than characters.
        Assert.InRange(ids.Count, 5, text.Length / 2);
    }

    [Fact]
    public void CommittedVocabularyFilesAreSmallText()
    {
        var files = new DirectoryInfo(Committed).GetFiles();

        Assert.Equal(
            [TargetTokenizerFiles.KeptTokensFile, TargetTokenizerFiles.ConfigFile],
            files.Select(f => f.Name).Order(StringComparer.Ordinal)
        );
        Assert.True(files.Sum(f => f.Length) < 1_000_000, $"{files.Sum(f => f.Length)} bytes");
    }
}
