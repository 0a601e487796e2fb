using System.Diagnostics;
using System.Text.RegularExpressions;
using NlpMtl.TestSupport;

namespace NlpMtl.Worker.Tests;

/// <summary>scripts/recipe-data.sh: the full recipe's mixes and validation splits, built from tiny stand-in
/// sets.</summary>
public class RecipeDataScriptTests
{
    readonly string data = Scratch.CreateDirectory("recipe-sets").FullName;
    readonly string recipe = Path.Combine(Scratch.CreateDirectory("recipe-").FullName, "out");

    void Write(string file, IEnumerable<string> lines)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(data, file))!);
        File.WriteAllLines(Path.Combine(data, file), lines);
    }

    /// <summary>The script with the mix settings given as <c>(variable, value)</c>; any not given is unset, so the
    /// script's defaults apply.</summary>
    (int ExitCode, string Error) Run(params (string Variable, string Value)[] settings)
    {
        var start = new ProcessStartInfo(
            "bash",
            [Path.Combine(RepoPaths.Root, "scripts", "recipe-data.sh"), data, recipe]
        )
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment.Remove("MULTI30K_COPIES");
        start.Environment.Remove("TATOEBA_JOINED");
        foreach (var (variable, value) in settings)
            start.Environment[variable] = value;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }

    /// <summary>Multi30k train's <paramref name="side"/> ("en" or "de") as <see cref="WriteSets"/> writes it.</summary>
    static string[] Captions(string side) => [$"caption one {side}", $"caption two {side}"];

    (string[] English, string[] German) ReadTranslationMix() =>
        (
            File.ReadAllLines(Path.Combine(recipe, "translate", "train.en")),
            File.ReadAllLines(Path.Combine(recipe, "translate", "train.de"))
        );

    void WriteSets(int imdbReviews, string[] tatoebaEnglish)
    {
        Write("sst2/train.tsv", ["sentence\tlabel", "a fine film\t1", "dull\t0"]);
        Write("sst2/glue_dev.tsv", ["sentence\tlabel", "great\t1"]);
        Write("scitldr/train.jsonl", ["{}"]);
        Write("scitldr/validation.jsonl", ["{}"]);
        foreach (var side in new[] { "en", "de" })
        {
            Write($"multi30k/train.{side}", Captions(side));
            Write($"multi30k/val.{side}", [$"val {side}"]);
        }
        // Labels alternate, as in IMDB's file: every 12th review of each label validates (23 and 24 of 30, not 12 and
        // 24, which share a label); review 30 repeats review 24, so its copy must leave training too.
        Write(
            "imdb/train.tsv",
            [
                "sentence\tlabel",
                .. Enumerable.Range(1, imdbReviews).Select(i => $"review {(i == 30 ? 24 : i)}\t{i % 2}"),
            ]
        );
        Write("tatoeba/train.en", tatoebaEnglish);
        Write("tatoeba/train.de", tatoebaEnglish.Select((e, i) => $"{e} auf Deutsch {i}"));
    }

    [Fact]
    public void ValidationSplitsAreDeterministicAndLeaveNoCopyInTraining()
    {
        // Line 85 of Tatoeba ("sentence 5") also appears on lines 5 and 170: all three leave training, one pair
        // validates.
        var english = Enumerable.Range(1, 200).Select(i => i is 85 or 170 ? "sentence 5" : $"sentence {i}").ToArray();
        WriteSets(imdbReviews: 30, english);

        var imdb = File.ReadAllBytes(Path.Combine(data, "imdb", "train.tsv"));

        var (exitCode, error) = Run();

        Assert.True(exitCode == 0, error);
        var imdbValidation = File.ReadAllLines(Path.Combine(recipe, "imdb", "validation.tsv"));
        Assert.Equal(["sentence\tlabel", "review 23\t1", "review 24\t0"], imdbValidation);
        var sentiment = File.ReadAllLines(Path.Combine(recipe, "sentiment", "train.tsv"));
        Assert.Equal(["sentence\tlabel", "a fine film\t1", "dull\t0"], sentiment[..3]); // SST-2 first, one header
        Assert.Equal(2 + 30 - 3, sentiment.Length - 1);
        Assert.DoesNotContain(sentiment, row =>
            row.StartsWith("review 23\t", StringComparison.Ordinal)
            || row.StartsWith("review 24\t", StringComparison.Ordinal)
        );

        Assert.Equal(["sentence 5"], File.ReadAllLines(Path.Combine(recipe, "tatoeba", "validation.en")));
        Assert.Equal(["sentence 5 auf Deutsch 4"], File.ReadAllLines(Path.Combine(recipe, "tatoeba", "validation.de")));
        var (trainEnglish, trainGerman) = ReadTranslationMix();
        // Multi30k three times by default, then Tatoeba, then 15,000 joined Tatoeba training pairs.
        Assert.Equal(3 * 2 + 200 - 3 + 15_000, trainEnglish.Length);
        Assert.Equal(trainEnglish.Length, trainGerman.Length);
        Assert.Equal([.. Captions("en"), .. Captions("en"), .. Captions("en"), "sentence 1"], trainEnglish[..7]);
        Assert.DoesNotContain("sentence 5", trainEnglish);
        Assert.All(trainEnglish.Zip(trainGerman).Skip(3 * 2).Take(197), pair =>
            Assert.StartsWith(pair.First + " auf Deutsch", pair.Second)
        );
        // Each joined pair: 2 to 4 training pairs, the same ones in the same order on both sides, none held out.
        Assert.All(trainEnglish.Zip(trainGerman).Skip(3 * 2 + 197), pair =>
        {
            var parts = Regex.Matches(pair.First, @"sentence \d+").Select(m => m.Value).ToList();
            Assert.InRange(parts.Count, 2, 4);
            Assert.Equal(string.Join(' ', parts), pair.First);
            Assert.DoesNotContain("sentence 5", parts);
            Assert.Equal(
                parts,
                Regex.Matches(pair.Second, @"(sentence \d+) auf Deutsch \d+").Select(m => m.Groups[1].Value)
            );
        });
        Assert.True(trainEnglish.Skip(3 * 2 + 197).Distinct().Count() > 14_000, "the draws vary");
        Assert.True(File.Exists(Path.Combine(recipe, "sst2", "glue_dev.tsv")));
        Assert.Equal(imdb, File.ReadAllBytes(Path.Combine(data, "imdb", "train.tsv"))); // the sets are only read
    }

    [Fact]
    public void Multi30kCopiesRepeatTheCaptionsAheadOfTatoeba()
    {
        var english = Enumerable.Range(1, 100).Select(i => $"sentence {i}").ToArray();
        WriteSets(imdbReviews: 3, english);

        var (exitCode, error) = Run(("MULTI30K_COPIES", "2"), ("TATOEBA_JOINED", "0"));

        Assert.True(exitCode == 0, error);
        var (trainEnglish, trainGerman) = ReadTranslationMix();
        Assert.Equal([.. Captions("en"), .. Captions("en"), "sentence 1"], trainEnglish[..5]);
        Assert.Equal(2 * 2 + 100 - 1, trainEnglish.Length); // line 85 validates
        Assert.Equal(Captions("de"), trainGerman[2..4]);
        Assert.Equal(trainEnglish.Length, trainGerman.Length);
        Assert.Contains("103 translation pairs", error);
    }

    [Theory]
    [InlineData("MULTI30K_COPIES", "0", ">= 1")]
    [InlineData("MULTI30K_COPIES", "two", ">= 1")]
    [InlineData("MULTI30K_COPIES", "-1", ">= 1")]
    [InlineData("TATOEBA_JOINED", "x", ">= 0")]
    [InlineData("TATOEBA_JOINED", "-5", ">= 0")]
    public void ABadCountIsNamedAndNothingIsWritten(string variable, string value, string bound)
    {
        WriteSets(imdbReviews: 3, ["a"]);

        var (exitCode, error) = Run((variable, value));

        Assert.Equal(2, exitCode);
        Assert.Contains($"{variable} must be a whole number {bound}, got '{value}'", error);
        Assert.False(Directory.Exists(recipe));
    }

    [Fact]
    public void AMissingSetIsNamedAndNothingIsWritten()
    {
        WriteSets(imdbReviews: 3, ["a"]);
        File.Delete(Path.Combine(data, "tatoeba", "train.de"));

        var (exitCode, error) = Run();

        Assert.Equal(1, exitCode);
        Assert.Contains($"missing {data}/tatoeba/train.de", error);
        Assert.False(Directory.Exists(recipe));
    }
}
