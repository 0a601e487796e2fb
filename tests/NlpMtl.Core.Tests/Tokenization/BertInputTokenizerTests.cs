using NlpMtl.Core.Tokenization;

namespace NlpMtl.Core.Tests.Tokenization;

/// <summary>Expected ids are line numbers (from 0) in tokenizers/all-MiniLM-L6-v2/vocab.txt, looked up by
/// hand.</summary>
public class BertInputTokenizerTests
{
    static readonly string Vocab = Path.Combine(
        AppContext.BaseDirectory,
        "tokenizers",
        "all-MiniLM-L6-v2",
        "vocab.txt"
    );

    static BertInputTokenizer Create(int maxLength = 512) =>
        BertInputTokenizer.Create(Vocab, new BertInputTokenizerOptions { MaxLength = maxLength });

    [Theory]
    [InlineData("hello world", new[] { 101, 7592, 2088, 102 })]
    // Lower-cased, accents stripped, punctuation split off: hello , world !
    [InlineData("Héllo, WÖRLD!", new[] { 101, 7592, 1010, 2088, 999, 102 })]
    // café → cafe, naïve → naive, and the full stop
    [InlineData("Café naïve.", new[] { 101, 7668, 15743, 1012, 102 })]
    // Apostrophe is punctuation: don ' t
    [InlineData("don't", new[] { 101, 2123, 1005, 1056, 102 })]
    // WordPiece greedy longest match: token ##ization; una ##ffa ##ble; x ##yl ##op ##hon ##ist
    [InlineData("tokenization", new[] { 101, 19204, 3989, 102 })]
    [InlineData("unaffable", new[] { 101, 14477, 20961, 3468, 102 })]
    [InlineData("xylophonist", new[] { 101, 1060, 8516, 7361, 8747, 2923, 102 })]
    // A character with no vocabulary entry is [UNK] (100)
    [InlineData("snow ☃ man", new[] { 101, 4586, 100, 2158, 102 })]
    // ASCII symbols are punctuation to HF: $ (1002) ^ (1034) ~ (1066); € (1574) and © (1075) are words of their own
    [InlineData("a$b ^c ~d € ©", new[] { 101, 1037, 1002, 1038, 1034, 1039, 1066, 1040, 1574, 1075, 102 })]
    // Tabs and newlines separate words; NUL and soft hyphen (a format character) are dropped, so hello+world join:
    // hello ##world (11108)
    [InlineData("hello\tworld\nhello\u0000world\u00ad", new[] { 101, 7592, 2088, 7592, 11108, 102 })]
    // CJK ideographs become single-character words: 日 本
    [InlineData("日本", new[] { 101, 1864, 1876, 102 })]
    public void EncodesLikeHfBertTokenizer(string text, int[] expected)
    {
        Assert.Equal(expected, Create().Encode(text));
    }

    [Fact]
    public void BatchIsPaddedToLongestWithMaskAndTokenTypes()
    {
        var batch = Create().EncodeBatch(["hello world", "hello", ""]);

        Assert.Equal(3, batch.BatchSize);
        Assert.Equal(4, batch.SequenceLength);
        Assert.Equal([4, 3, 2], batch.Lengths);
        Assert.Equal(new long[] { 101, 7592, 2088, 102, 101, 7592, 102, 0, 101, 102, 0, 0 }, batch.InputIds);
        Assert.Equal(new long[] { 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0 }, batch.AttentionMask);
        Assert.All(batch.TokenTypeIds, t => Assert.Equal(0, t));
        Assert.Equal(new long[] { 101, 7592, 102 }, batch.Row(1).ToArray());
    }

    [Fact]
    public void WindowsCoverTheWholeTextWithTheRequestedOverlap()
    {
        var tokenizer = Create(maxLength: 8);
        // hello world hello world ...: 13 words, windows of 6 content tokens sharing 2.
        var text = string.Join(' ', Enumerable.Range(0, 13).Select(i => i % 2 == 0 ? "hello" : "world"));

        var windows = tokenizer.EncodeWindows(text, overlap: 2);

        Assert.Equal([new Range(0, 6), new Range(4, 10), new Range(8, 13)], TokenWindows.Of(13, 6, 2));
        Assert.Equal(3, windows.Count);
        Assert.All(windows, w => Assert.Equal((101, 102), (w[0], w[^1])));
        Assert.Equal(tokenizer.EncodeUntruncated(text).Take(new Range(4, 10)), windows[1][1..^1]);
        Assert.Equal(
            tokenizer.Encode("hello world"),
            Assert.Single(tokenizer.EncodeWindows("hello world", overlap: 2))
        );
    }

    [Fact]
    public void WindowOverlapIsAtMostHalfAWindow()
    {
        Assert.Equal([new Range(0, 4), new Range(2, 6), new Range(4, 7)], TokenWindows.Of(7, 4, overlap: 100));
    }

    [Fact]
    public void LongInputIsTruncatedKeepingSeparator()
    {
        var tokenizer = Create(maxLength: 8);
        var ids = tokenizer.Encode(string.Join(' ', Enumerable.Repeat("hello", 50)));

        Assert.Equal(8, ids.Count);
        Assert.Equal(101, ids[0]);
        Assert.Equal(102, ids[^1]);
        Assert.All(ids.Skip(1).Take(6), id => Assert.Equal(7592, id));
    }

    [Fact]
    public void MissingVocabularyNamesTheFile()
    {
        var error = Assert.Throws<FileNotFoundException>(() => BertInputTokenizer.Create("/nonexistent/vocab.txt"));
        Assert.Contains("/nonexistent/vocab.txt", error.Message);
    }
}
