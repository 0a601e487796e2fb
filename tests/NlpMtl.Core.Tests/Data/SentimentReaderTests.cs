using NlpMtl.Core.Data;

namespace NlpMtl.Core.Tests.Data;

public sealed class SentimentReaderTests : IDisposable
{
    readonly TempFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void Sst2TsvKeepsLabelsAsStringsAndTrimsTrailingSpace()
    {
        // As in SST-2: header row, a space before each tab, labels 0/1.
        var path = files.Write(
            "train.tsv",
            "sentence\tlabel\nhide new secretions from the parental units \t0\ngreat fun \t1\n"
        );

        var examples = DatasetReader.ReadSentiment(path);

        Assert.Equal(
            [
                new SentimentExample("hide new secretions from the parental units", "0"),
                new SentimentExample("great fun", "1"),
            ],
            examples
        );
    }

    [Fact]
    public void TsvColumnsAreFoundByHeaderNameWithBomAndCrlf()
    {
        var path = files.Write("test.tsv", "idx\tlabel\tsentence\r\n7\tpositive\tÜberraschend gut \r\n\r\n", bom: true);

        var example = Assert.Single(DatasetReader.ReadSentiment(path));

        Assert.Equal(new SentimentExample("Überraschend gut", "positive"), example);
    }

    [Fact]
    public void JsonlAcceptsStringAndIntegerLabelsAndSkipsBlankLines()
    {
        var path = files.Write(
            "train.jsonl",
            "{\"text\": \"good \", \"label\": 1}\r\n\n   \n{\"text\": \"bad\", \"label\": \"negative\"}\n",
            bom: true
        );

        var examples = DatasetReader.ReadSentiment(path);

        Assert.Equal([new SentimentExample("good", "1"), new SentimentExample("bad", "negative")], examples);
    }

    [Theory]
    [InlineData("text\tlabel\nfine\t1\n", "line 1, field 'sentence': missing column")]
    [InlineData("sentence\tscore\nfine\t1\n", "line 1, field 'label': missing column")]
    [InlineData("sentence\tlabel\nfine\t1\nno label here\n", "line 3, field 'label': missing")]
    [InlineData("label\tsentence\n1\n", "line 2, field 'sentence': missing")]
    [InlineData("sentence\tlabel\n   \t1\n", "line 2, field 'sentence': empty text")]
    [InlineData("sentence\tlabel\nfine\t \n", "line 2, field 'label': empty label")]
    [InlineData("", "line 1: empty file")]
    public void BadTsvNamesFileLineAndField(string content, string expected)
    {
        var path = files.Write("bad.tsv", content);

        var error = Assert.Throws<InvalidDataException>(() => DatasetReader.ReadSentiment(path));

        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("{\"text\": \"ok\", \"label\": 1}\n{\"text\": \"ok\", \"label\": 1\n", "line 2: malformed JSON")]
    [InlineData("\n\n[1, 2]\n", "line 3: expected a JSON object, found an array")]
    [InlineData("{\"label\": 1}\n", "line 1, field 'text': missing")]
    [InlineData("{\"text\": \"ok\"}\n", "line 1, field 'label': missing")]
    [InlineData("{\"text\": \"ok\", \"label\": null}\n", "line 1, field 'label': missing")]
    [InlineData("{\"text\": 3, \"label\": 1}\n", "line 1, field 'text': expected a string, found a number")]
    [InlineData(
        "{\"text\": \"ok\", \"label\": true}\n",
        "line 1, field 'label': expected a string or an integer, found a boolean"
    )]
    [InlineData(
        "{\"text\": \"ok\", \"label\": 0.5}\n",
        "line 1, field 'label': expected a string or an integer, found 0.5"
    )]
    [InlineData("{\"text\": \"  \", \"label\": 1}\n", "line 1, field 'text': empty text")]
    public void BadJsonlNamesFileLineAndField(string content, string expected)
    {
        var path = files.Write("bad.jsonl", content);

        var error = Assert.Throws<InvalidDataException>(() => DatasetReader.ReadSentiment(path));

        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void InvalidUtf8IsAnErrorNotReplacementCharacters()
    {
        var path = files.WriteBytes(
            "latin1.tsv",
            [.. "sentence\tlabel\n"u8, (byte)'c', (byte)'a', (byte)'f', 0xE9, (byte)'\t', (byte)'1', (byte)'\n']
        );

        var error = Assert.Throws<InvalidDataException>(() => DatasetReader.ReadSentiment(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("line 2, column 4 (byte 4 of the line): not valid UTF-8 (0xE9)", error.Message);
    }

    [Fact]
    public void InvalidUtf8FarIntoAFileNamesItsLineAndColumn()
    {
        var rows = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"grüße {i}\t1\n"));
        var path = files.WriteBytes(
            "late.tsv",
            [
                .. "\uFEFFsentence\tlabel\r\n"u8,
                .. System.Text.Encoding.UTF8.GetBytes(rows),
                .. "ça va \u00e9"u8,
                0xC3,
                (byte)'\t',
                (byte)'0',
                (byte)'\n',
            ]
        );

        var error = Assert.Throws<InvalidDataException>(() => DatasetReader.ReadSentiment(path));

        Assert.Contains("line 20002, column 8 (byte 10 of the line)", error.Message);
    }

    [Fact]
    public void RowWithMoreFieldsThanTheHeaderIsRefused()
    {
        var path = files.Write("ragged.tsv", "sentence\tlabel\ngood\t1\na tab\there\t0\n");

        var error = Assert.Throws<InvalidDataException>(() => DatasetReader.ReadSentiment(path));

        Assert.Contains($"{path}, line 3: column 3: the row has 3 tab-separated fields, the header 2", error.Message);
    }

    [Fact]
    public void UnknownExtensionIsRejectedNamingTheFile()
    {
        var path = files.Write("train.csv", "sentence,label\n");

        var error = Assert.Throws<InvalidDataException>(() => DatasetReader.ReadSentiment(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void MissingFileNamesThePath()
    {
        var path = files.PathOf("missing.tsv");

        var error = Assert.Throws<FileNotFoundException>(() => DatasetReader.ReadSentiment(path));

        Assert.Contains(path, error.Message);
    }
}
