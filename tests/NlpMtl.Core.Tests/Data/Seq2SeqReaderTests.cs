using NlpMtl.Core.Data;

namespace NlpMtl.Core.Tests.Data;

public sealed class Seq2SeqReaderTests : IDisposable
{
    readonly TempFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void SciTldrJoinsSourceSentencesAndKeepsEveryReference()
    {
        // SciTLDR lines carry more fields (paper_id, rouge_scores, …), ignored here, and some empty sentences and
        // references, dropped.
        var path = files.Write(
            "train.jsonl",
            "{\"source\": [\"We study X.\", \"\", \"It works. \"], \"source_labels\": [0, 0, 1], \"target\": [\"X "
                + "works.\", \"\", \"We show X works.\"], \"paper_id\": \"a\"}\n"
        );

        var example = Assert.Single(DatasetReader.ReadSeq2Seq(path));

        Assert.Equal("We study X. It works.", example.Source);
        Assert.Equal(["X works.", "We show X works."], example.Targets);
        // source_labels counts the empty sentence too: index 2 is "It works.", not a shifted neighbour.
        Assert.Equal("It works.", example.ExtractiveOracle);
    }

    [Theory]
    [InlineData("{\"source\": [\"A.\", \"B.\", \"C.\"], \"source_labels\": [1, 0, 1], \"target\": \"t\"}", "A. C.")]
    [InlineData("{\"source\": [\"A.\", \"B.\"], \"source_labels\": [0, 0], \"target\": \"t\"}", null)]
    [InlineData("{\"source\": [\"A.\", \" \"], \"source_labels\": [0, 1], \"target\": \"t\"}", null)]
    [InlineData("{\"source\": [\"A.\"], \"source_labels\": null, \"target\": \"t\"}", null)]
    [InlineData("{\"source\": [\"A.\"], \"target\": \"t\"}", null)]
    public void ExtractiveOracleJoinsTheMarkedSentences(string line, string? expected)
    {
        var path = files.Write("train.jsonl", line + "\n");

        Assert.Equal(expected, Assert.Single(DatasetReader.ReadSeq2Seq(path)).ExtractiveOracle);
    }

    [Theory]
    [InlineData(
        "{\"source\": [\"A.\", \"B.\"], \"source_labels\": [1], \"target\": \"t\"}",
        "field 'source_labels': has 1 entries but 'source' has 2 sentences"
    )]
    [InlineData(
        "{\"source\": [\"A.\", \"B.\"], \"source_labels\": [0, 2], \"target\": \"t\"}",
        "field 'source_labels[1]': expected 0 or 1, found 2"
    )]
    [InlineData(
        "{\"source\": [\"A.\"], \"source_labels\": [\"1\"], \"target\": \"t\"}",
        "field 'source_labels[0]': expected 0 or 1, found \"1\""
    )]
    [InlineData(
        "{\"source\": [\"A.\"], \"source_labels\": 1, \"target\": \"t\"}",
        "field 'source_labels': expected an array of 0/1 numbers"
    )]
    [InlineData(
        "{\"source\": \"A. B.\", \"source_labels\": [1], \"target\": \"t\"}",
        "field 'source_labels': needs 'source' to be an array of sentences"
    )]
    public void BadSourceLabelsNameLineAndField(string line, string expected)
    {
        var path = files.Write("train.jsonl", "{\"source\": \"s\", \"target\": \"t\"}\n" + line + "\n");

        var error = Assert.Throws<InvalidDataException>(() => DatasetReader.ReadSeq2Seq(path));

        Assert.Contains($"{path}, line 2, {expected}", error.Message);
    }

    [Fact]
    public void JsonlAcceptsPlainStringsWithBomCrlfAndBlankLines()
    {
        var path = files.Write(
            "pairs.jsonl",
            "\r\n{\"source\": \"Ein Hund.\", \"target\": \"A dog. \"}\r\n\r\n",
            bom: true
        );

        var example = Assert.Single(DatasetReader.ReadSeq2Seq(path));

        Assert.Equal("Ein Hund.", example.Source);
        Assert.Equal(["A dog."], example.Targets);
    }

    [Fact]
    public void AlignedFilesPairLineByLine()
    {
        var source = files.Write("train.en", "Two dogs run.\r\nA man sleeps. \r\n", bom: true);
        var target = files.Write("train.de", "Zwei Hunde rennen.\nEin Mann schläft.");

        var examples = DatasetReader.ReadSeq2Seq(source, target);

        Assert.Equal(2, examples.Count);
        Assert.Equal(("A man sleeps.", "Ein Mann schläft."), (examples[1].Source, Assert.Single(examples[1].Targets)));
    }

    [Theory]
    [InlineData("a\nb\nc\n", "x\ny\n", 3, 2)]
    [InlineData("a\n", "x\ny\nz\n", 1, 3)]
    public void UnequalLineCountsNameBothFilesAndCounts(
        string sourceText,
        string targetText,
        int sourceLines,
        int targetLines
    )
    {
        var source = files.Write("val.en", sourceText);
        var target = files.Write("val.de", targetText);

        var error = Assert.Throws<InvalidDataException>(() => DatasetReader.ReadSeq2Seq(source, target));

        Assert.Contains($"{source} has {sourceLines} lines but {target} has {targetLines}", error.Message);
    }

    [Fact]
    public void BlankLineInAlignedFilesNamesFileAndLine()
    {
        var source = files.Write("train.en", "a\nb\n");
        var target = files.Write("train.de", "x\n \n");

        var error = Assert.Throws<InvalidDataException>(() => DatasetReader.ReadSeq2Seq(source, target));

        Assert.Contains($"{target}, line 2, field 'target': empty text", error.Message);
    }

    [Theory]
    [InlineData("{\"target\": \"t\"}", "line 1, field 'source': missing")]
    [InlineData("{\"source\": \"s\"}", "line 1, field 'target': missing")]
    [InlineData("{\"source\": \"s\", \"target\": []}", "line 1, field 'target': no non-empty text in the array")]
    [InlineData(
        "{\"source\": [\"a\", 2], \"target\": \"t\"}",
        "line 1, field 'source[1]': expected a string, found a number"
    )]
    [InlineData(
        "{\"source\": [\"\", \" \"], \"target\": \"t\"}",
        "line 1, field 'source': no non-empty text in the array"
    )]
    [InlineData(
        "{\"source\": {\"a\": 1}, \"target\": \"t\"}",
        "line 1, field 'source': expected a string or an array of strings, found an object"
    )]
    [InlineData("{\"source\": \"s\", \"target\": \"t\"}\n{\"source\": \"s\"", "line 2: malformed JSON")]
    public void BadJsonlNamesFileLineAndField(string content, string expected)
    {
        var path = files.Write("bad.jsonl", content);

        var error = Assert.Throws<InvalidDataException>(() => DatasetReader.ReadSeq2Seq(path));

        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void PlainTextWithoutTargetFileIsRejected()
    {
        var path = files.Write("train.en", "a\n");

        var error = Assert.Throws<InvalidDataException>(() => DatasetReader.ReadSeq2Seq(path));

        Assert.Contains(path, error.Message);
    }
}
