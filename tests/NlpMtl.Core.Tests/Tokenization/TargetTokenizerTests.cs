using System.Text;
using Microsoft.ML.Tokenizers;
using NlpMtl.Core.Tokenization;
using NlpMtl.TestSupport;

namespace NlpMtl.Core.Tests.Tokenization;

public class TargetTokenizerTests
{
    internal static readonly string[] German =
    [
        "Ein Mann mit einem orangefarbenen Hut starrt auf etwas.",
        "Zwei Hunde spielen im Schnee.",
        "Eine Frau in einem blauen Kleid läuft über die Straße.",
        "Größere Kinder spielen Fußball auf der Wiese, nicht wahr?",
        "Äpfel und Birnen liegen auf dem Tisch.",
        "Ein Mädchen öffnet die Tür.",
    ];

    // Default MinCount (3) would drop nearly every token of six sentences.
    internal static TargetTokenizer BuildGerman(int minCount = 1) =>
        TargetTokenizer.Build(German, new TargetTokenizerOptions { MinCount = minCount });

    [Theory]
    [InlineData("Größere Äpfel fielen über die Straße, nicht wahr?")]
    [InlineData("ÄÖÜ äöü ß ẞ — „Anführungszeichen“ und ‚halbe‘ «Guillemets»!")]
    [InlineData("Zwei Hunde spielen im Schnee.")]
    [InlineData("  Leerzeichen\tTab\r\nZeile;  (Klammern) 1.234,56 €  ")]
    public void GermanRoundTripsUnchanged(string text)
    {
        var tokenizer = BuildGerman();

        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void TrainingTextIsEncodedWithWholeBaseTokens()
    {
        var tokenizer = BuildGerman();
        var text = German[2];

        var ids = tokenizer.Encode(text);

        // Every base token was kept (or is a single byte), so the trimmed vocabulary splits exactly as o200k_base does.
        Assert.Equal(TiktokenTokenizer.CreateForEncoding("o200k_base").EncodeToIds(text).Count, ids.Count);
        Assert.True(ids.Count < Encoding.UTF8.GetByteCount(text) / 3, $"{ids.Count} tokens for {text.Length} chars");
    }

    [Theory]
    [InlineData("Ein Hund 🐕 läuft")]
    [InlineData("北京欢迎你")]
    [InlineData("Xylophonistinnen")]
    [InlineData("𝔘𝔫𝔦 ﷽ 𐀀")]
    [InlineData("x <|endoftext|> y")]
    public void TextAbsentFromTrainingRoundTripsThroughByteFallback(string text)
    {
        var tokenizer = BuildGerman();

        var ids = tokenizer.Encode(text);

        Assert.Equal(text, tokenizer.Decode(ids));
        Assert.All(ids, id => Assert.InRange(id, TargetTokenizer.FirstByteId, tokenizer.VocabSize - 1));
        Assert.Contains(ids, id => id < TargetTokenizer.FirstTokenId);
    }

    [Fact]
    public void UnseenCharacterIsSpeltInItsUtf8Bytes()
    {
        var ids = BuildGerman().Encode("漢");

        Assert.Equal(new[] { 0xE6, 0xBC, 0xA2 }.Select(b => TargetTokenizer.FirstByteId + b), ids);
    }

    [Fact]
    public void PartialCharacterTokensAreLearnedFromTheirContext()
    {
        // o200k_base splits 🐕 (F0 9F 90 95) into a token for F0 9F 90 and one for 95; decoded alone, each is U+FFFD,
        // so the first token's bytes can only come from the text it occurs in.
        var tokenizer = TargetTokenizer.Build(["🐕 und ein Hund"], new TargetTokenizerOptions { MinCount = 1 });

        var ids = tokenizer.Encode("🐕");

        Assert.Equal(2, ids.Count);
        Assert.True(ids[0] >= TargetTokenizer.FirstTokenId, $"id {ids[0]} is not a kept token");
        Assert.Equal(new byte[] { 0xF0, 0x9F, 0x90 }, tokenizer.BytesOf(ids[0]).ToArray());
        Assert.Equal(TargetTokenizer.FirstByteId + 0x95, ids[1]);
        Assert.Equal("🐕", tokenizer.Decode(ids));
    }

    [Fact]
    public void MinCountDropsRareTokensAndStaysLossless()
    {
        var all = BuildGerman(minCount: 1);
        var frequent = BuildGerman(minCount: 2);

        Assert.True(frequent.VocabSize < all.VocabSize, $"{frequent.VocabSize} !< {all.VocabSize}");
        foreach (var sentence in German)
        {
            Assert.Equal(sentence, frequent.Decode(frequent.Encode(sentence)));
            Assert.True(frequent.Encode(sentence).Count >= all.Encode(sentence).Count);
        }
        // "Tisch" occurs once: kept at MinCount 1, spelt from smaller pieces at MinCount 2.
        Assert.True(frequent.Encode(" Tisch").Count > all.Encode(" Tisch").Count);
    }

    [Fact]
    public void VocabularyFromAHandfulOfSentencesIsSmall()
    {
        var tokenizer = BuildGerman();

        Assert.Equal("o200k_base", tokenizer.BaseEncoding);
        Assert.InRange(tokenizer.VocabSize, TargetTokenizer.FirstTokenId + 20, 1_000);
    }

    [Fact]
    public void BuildIsDeterministicWithMostFrequentTokensFirst()
    {
        string[] lines = ["Hund Hund Hund Katze", "Katze Maus"];
        var options = new TargetTokenizerOptions { MinCount = 1 };

        var first = TargetTokenizer.Build(lines, options);
        var second = TargetTokenizer.Build(lines, options);

        Assert.Equal(first.KeptBaseIds, second.KeptBaseIds);
        Assert.Equal(" Hund", first.Decode([TargetTokenizer.FirstTokenId]));
    }

    [Fact]
    public void DecodeSkipsPadBosAndEosWithoutStopping()
    {
        var tokenizer = BuildGerman();
        List<int> ids =
        [
            TargetTokenizer.BosId,
            .. tokenizer.Encode("Zwei Hunde"),
            TargetTokenizer.EosId,
            TargetTokenizer.PadId,
            .. tokenizer.Encode(" im Schnee"),
            TargetTokenizer.EosId,
        ];

        Assert.Equal("Zwei Hunde im Schnee", tokenizer.Decode(ids));
    }

    [Theory]
    [InlineData(new[] { 0xC3 }, "\uFFFD")]
    [InlineData(new[] { 0xC3, 0xA4 }, "ä")]
    [InlineData(new[] { 0x61, 0xFF, 0x62 }, "a\uFFFDb")]
    [InlineData(new[] { 0xF0, 0x9F, 0x90 }, "\uFFFD")]
    public void DecodeOfInvalidUtf8GivesReplacementCharacters(int[] bytes, string expected)
    {
        Assert.Equal(expected, BuildGerman().Decode(bytes.Select(b => TargetTokenizer.FirstByteId + b)));
    }

    [Fact]
    public void DecodeRejectsIdsOutsideTheVocabulary()
    {
        var tokenizer = BuildGerman();

        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([-1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([tokenizer.VocabSize]));
    }

    [Fact]
    public void EmptyTextEncodesToNothing()
    {
        var tokenizer = BuildGerman();

        Assert.Empty(tokenizer.Encode(""));
        Assert.Equal("", tokenizer.Decode([]));
    }

    [Fact]
    public void LoneSurrogateEncodesAsReplacementCharacter()
    {
        var tokenizer = BuildGerman();

        Assert.Equal("a\uFFFDb", tokenizer.Decode(tokenizer.Encode("a\uD800b")));
    }

    [Fact]
    public void UnavailableBaseEncodingFailsNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            TargetTokenizer.Build(German, new TargetTokenizerOptions { BaseEncoding = "no_such_base" })
        );

        Assert.Contains("no_such_base", error.Message);
    }

    [Fact]
    public void MinCountBelowOneIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BuildGerman(minCount: 0));
    }

    [Fact]
    public void BuildAndSaveCountsEveryFileTogether()
    {
        var directory = Scratch.CreateDirectory("target-files").FullName;
        var first = Path.Combine(directory, "a.de");
        var second = Path.Combine(directory, "b.de");
        File.WriteAllLines(first, German[..3]);
        File.WriteAllLines(second, German[3..]);
        var options = new TargetTokenizerOptions { MinCount = 1 };

        var stats = TargetTokenizer.BuildAndSave([first, second], Path.Combine(directory, "both"), options);

        // The same vocabulary as from all lines at once, measured on all of them.
        Assert.Equal(BuildGerman().KeptBaseIds, TargetTokenizer.Load(Path.Combine(directory, "both")).KeptBaseIds);
        Assert.Equal((German.Length, 0), (stats.Lines, stats.RoundTripFailures));
    }

    [Fact]
    public void BuildAndSaveNamesAMissingTargetsFile()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-targets.de");

        var error = Assert.Throws<FileNotFoundException>(() =>
            TargetTokenizer.BuildAndSave([missing], Path.GetTempPath())
        );

        Assert.Contains("no-such-targets.de: training targets not found", error.Message);
    }
}
