using System.Text;
using NlpMtl.Core.Tokenization;
using NlpMtl.TestSupport;

namespace NlpMtl.Core.Tests.Tokenization;

/// <summary>
/// HF tokenizers' BERT rules, one at a time, with the characters that broke them. Ids are line numbers (from 0) of
/// tokenizers/all-MiniLM-L6-v2/vocab.txt; each expectation is what HF tokenizers gives for the same text.
/// </summary>
public class HfRulesTests
{
    static readonly string Vocab = Path.Combine(
        AppContext.BaseDirectory,
        "tokenizers",
        "all-MiniLM-L6-v2",
        "vocab.txt"
    );
    static readonly BertInputTokenizer MiniLm = BertInputTokenizer.Create(Vocab);

    static int[] Words(BertInputTokenizer tokenizer, string text) =>
        tokenizer.EncodeWhole(text).Skip(1).SkipLast(1).ToArray();

    [Fact]
    public void DottedCapitalIIsLowerCasedAndItsDotStripped()
    {
        // İ → I + U+0307 (NFD), the dot is stripped, I → i: "izmir" = i ##z ##mir, not [UNK]
        Assert.Equal([1045, 2480, 14503], Words(MiniLm, "İzmir"));
        // Lower-casing without stripping keeps the dot as its own character, as Rust's char::to_lowercase gives it.
        var keepAccents = new HfBertNormalizer(new BertTokenizerSettings { Lowercase = true, StripAccents = false });
        Assert.Equal("i\u0307zmir", keepAccents.Normalize("İzmir"));
    }

    [Fact]
    public void FinalSigmaIsLowerCasedWithoutContext()
    {
        var normalizer = new HfBertNormalizer(new BertTokenizerSettings { StripAccents = false });
        Assert.Equal("σοφοσ", normalizer.Normalize("ΣΟΦΟΣ")); // .NET's culture-aware casing would give a final ς
    }

    [Theory]
    [InlineData("good\uE000 film", new[] { 2204, 2143 })]
    [InlineData("a\uE000b", new[] { 11113 })] // the characters on each side join: "ab"
    [InlineData("a\uF8FFb", new[] { 11113 })]
    [InlineData("a\U000F0000b", new[] { 11113 })] // supplementary private use area
    public void PrivateUseCharactersAreRemoved(string text, int[] expected) =>
        Assert.Equal(expected, Words(MiniLm, text));

    [Theory]
    [InlineData("a\u200Bb")] // zero-width space (Cf)
    [InlineData("a\u00ADb")] // soft hyphen (Cf)
    [InlineData("a\u0007b")] // bell (Cc)
    [InlineData("a\u000Bb")] // vertical tab: Cc before it is whitespace, so removed, not a space
    [InlineData("a\u202Ab")] // bidi embedding (Cf)
    [InlineData("a\U000E0041b")] // tag character (Cf, astral)
    [InlineData("a\uFFFDb")] // replacement character
    [InlineData("a\u0000b")]
    public void ControlAndFormatCharactersAreRemoved(string text) => Assert.Equal([11113], Words(MiniLm, text));

    [Fact]
    public void UnassignedCharacterStaysInsideItsWord()
    {
        // HF's category tables list no unassigned code point, so U+0378 is neither removed nor a separator.
        Assert.Equal([100, 2143], Words(MiniLm, "good\u0378 film"));
        Assert.Equal([1060, 100, 1061], Words(MiniLm, "x \u0378 y"));
    }

    [Theory]
    [InlineData("a\tb")]
    [InlineData("a\nb")]
    [InlineData("a\rb")]
    [InlineData("a\u00A0b")] // no-break space
    [InlineData("a\u1680b")] // ogham space
    [InlineData("a\u2028b")] // line separator
    [InlineData("a\u3000b")] // ideographic space
    public void WhitespaceSeparatesWords(string text) => Assert.Equal([1037, 1038], Words(MiniLm, text));

    [Fact]
    public void PunctuationIsIsolatedIncludingAstralPunctuation()
    {
        Assert.Equal([1037, 1010, 1038], Words(MiniLm, "a,b"));
        // U+1039F UGARITIC WORD DIVIDER (Po, outside the BMP) splits like a comma; it is not in the vocabulary.
        Assert.Equal([1037, 100, 1038], Words(MiniLm, "a\U0001039Fb"));
    }

    [Fact]
    public void ChineseCharactersFollowHfRanges()
    {
        // U+2B920 is inside HF's range: a word of its own. U+2B820 (Extension E's first, below HF's U+2B920) is not,
        // so it stays inside the word and the whole word is [UNK].
        Assert.Equal([1037, 100], Words(MiniLm, "a\U0002B920"));
        Assert.Equal([100], Words(MiniLm, "a\U0002B820"));
    }

    [Fact]
    public void WordOfMoreThanOneHundredCharactersIsUnknown()
    {
        var hundred = Words(MiniLm, new string('a', 100));
        Assert.True(
            hundred.Length > 1 && !hundred.Contains(100),
            $"100 a's should be WordPiece pieces, got [{string.Join(' ', hundred)}]"
        );
        Assert.Equal([100], Words(MiniLm, new string('a', 101)));
    }

    [Fact]
    public void WordLimitCountsCodePointsNotUtf16Units()
    {
        var tokenizer = BertInputTokenizer.Create(Tiny(new BertTokenizerSettings()));
        var emoji = "\U0001F600";
        // 60 emoji are 120 UTF-16 units but 60 characters, within HF's limit of 100.
        var sixty = Words(tokenizer, string.Concat(Enumerable.Repeat(emoji, 60)));
        Assert.Equal(60, sixty.Length);
        Assert.Equal(Id(emoji), sixty[0]);
        Assert.All(sixty.Skip(1), id => Assert.Equal(Id("##" + emoji), id));
        Assert.Equal([Id("[UNK]")], Words(tokenizer, string.Concat(Enumerable.Repeat(emoji, 101))));
    }

    [Fact]
    public void SpecialTokenStringsInTextAreReadAsText()
    {
        // "[SEP]" in a document is the characters [ sep ], never the separator id 102.
        Assert.Equal([1031, 19802, 1033], Words(MiniLm, "[SEP]"));
        Assert.DoesNotContain(101, Words(MiniLm, "a [CLS] b"));
    }

    [Fact]
    public void StripAccentsFalseWithLowercaseKeepsAccents()
    {
        var path = WriteTiny(new BertTokenizerSettings { Lowercase = true, StripAccents = false });
        var tokenizer = BertInputTokenizer.FromCheckpoint(path);
        Assert.False(tokenizer.Settings.StripsAccents);
        Assert.Equal([Id("café")], Words(tokenizer, "CAFÉ"));

        var stripping = BertInputTokenizer.FromCheckpoint(WriteTiny(new BertTokenizerSettings { Lowercase = true }));
        Assert.Equal([Id("cafe")], Words(stripping, "CAFÉ"));
    }

    [Fact]
    public void CasedTokenizerKeepsCaseAndAccents()
    {
        var tokenizer = BertInputTokenizer.FromCheckpoint(WriteTiny(new BertTokenizerSettings { Lowercase = false }));
        Assert.Equal([Id("Café")], Words(tokenizer, "Café"));
    }

    [Fact]
    public void TokenizerJsonRoundTrips()
    {
        var settings = new BertTokenizerSettings
        {
            Lowercase = false,
            StripAccents = true,
            HandleChineseChars = false,
            MaxInputCharsPerWord = 42,
        };
        var read = TokenizerJson.Read(WriteTiny(settings));
        Assert.Equal(settings, read.Settings);
        Assert.Equal(TinyVocabulary, read.Vocabulary);
    }

    [Fact]
    public void SlowTokenizerFilesAreTheFallback()
    {
        var directory = Scratch.CreateDirectory("nlpmtl-tok-").FullName;
        File.WriteAllLines(Path.Combine(directory, "vocab.txt"), TinyVocabulary);
        File.WriteAllText(
            Path.Combine(directory, "tokenizer_config.json"),
            """{"do_lower_case": false, "model_max_length": 16}"""
        );
        var tokenizer = BertInputTokenizer.FromCheckpoint(directory);
        Assert.False(tokenizer.Settings.Lowercase);
        Assert.Equal(16, tokenizer.Options.MaxLength);
        Assert.Equal([Id("Café")], Words(tokenizer, "Café"));
    }

    [Theory]
    [InlineData("\"model\": {", "\"model\": {\"type\": \"BPE\", \"ignored\": {", "model type 'BPE'")]
    [InlineData("\"normalizer\": {", "\"normalizer\": {\"type\": \"NFKC\", \"ignored\": {", "normalizer type 'NFKC'")]
    [InlineData(
        "\"pre_tokenizer\": {",
        "\"pre_tokenizer\": {\"type\": \"ByteLevel\", \"ignored\": {",
        "pre_tokenizer type 'ByteLevel'"
    )]
    public void UnsupportedTokenizerTypeIsRefusedByName(string find, string replace, string expected)
    {
        var path = WriteTiny(new BertTokenizerSettings());
        var json = File.ReadAllText(path);
        var at = json.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0);
        // Re-type the component and close the brace the replacement opened, keeping the file valid JSON.
        var end = json.IndexOf('}', at);
        File.WriteAllText(path, json[..at] + replace + json[(at + find.Length)..end] + "}}" + json[(end + 1)..]);

        var error = Assert.Throws<InvalidDataException>(() => TokenizerJson.Read(path));
        Assert.Contains(expected, error.Message);
        Assert.Contains(path, error.Message);
    }

    static readonly string[] TinyVocabulary =
    [
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "[MASK]",
        "cafe",
        "café",
        "Café",
        "\U0001F600",
        "##\U0001F600",
    ];

    static int Id(string token) => Array.IndexOf(TinyVocabulary, token);

    static TokenizerSource Tiny(BertTokenizerSettings settings) => new(settings, TinyVocabulary, "tiny");

    static string WriteTiny(BertTokenizerSettings settings)
    {
        var path = Path.Combine(Scratch.CreateDirectory("nlpmtl-tok-").FullName, "tokenizer.json");
        TokenizerJson.Write(path, Tiny(settings));
        return path;
    }
}
