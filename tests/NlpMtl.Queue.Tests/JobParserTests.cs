using System.Text;

namespace NlpMtl.Queue.Tests;

public sealed class JobParserTests
{
    static readonly JobParser Parser = new(["sentiment"], new HashSet<string>(["sentiment", "summarize", "translate"]));

    static IReadOnlyList<JobDocument> Parse(string name, string content) =>
        Parser.Parse(name, Encoding.UTF8.GetBytes(content));

    static string Reason(string name, byte[] content) =>
        Assert.Throws<JobFormatException>(() => Parser.Parse(name, content)).Reason;

    static string Reason(string name, string content) => Reason(name, Encoding.UTF8.GetBytes(content));

    [Fact]
    public void SingleObjectUsesDefaultTasks()
    {
        var document = Assert.Single(Parse("a.json", """{"id":"7","text":"good film"}"""));
        Assert.Equal(("7", "good film"), (document.Id, document.Text));
        Assert.Equal(["sentiment"], document.Tasks);
    }

    [Fact]
    public void PrettyPrintedObjectAndJsonlBothParse()
    {
        Assert.Single(
            Parse("a.json", "{\n  \"id\": \"1\",\n  \"text\": \"x\",\n  \"tasks\": [\"summarize\", \"translate\"]\n}\n")
        );
        var documents = Parse(
            "b.jsonl",
            "{\"id\":\"1\",\"text\":\"x\"}\n{\"id\":\"2\",\"text\":\"y\",\"tasks\":[\"translate\"]}\n\n"
        );
        Assert.Equal(["1", "2"], documents.Select(d => d.Id));
        Assert.Equal(["translate"], documents[1].Tasks);
    }

    [Fact]
    public void TextBlobIsOneDocumentNamedAfterTheBlob()
    {
        var document = Assert.Single(Parse("notes/review.txt", "line one\nline two\n"));
        Assert.Equal("notes/review.txt", document.Id);
        Assert.Equal("line one\nline two\n", document.Text);
    }

    [Fact]
    public void EveryPermanentErrorHasAReason()
    {
        Assert.Contains("empty", Reason("e.json", ""));
        Assert.Contains("empty", Reason("e.json", "  \n"));
        Assert.Contains("invalid UTF-8", Reason("u.json", [0x7B, 0xC3, 0x28, 0x7D]));
        Assert.Contains("binary", Reason("b.bin", [0x89, 0x50, 0x4E, 0x47, 0x00, 0x01]));
        Assert.Contains("malformed JSON", Reason("m.json", """{"id":"1","text":"x" """));
        Assert.Contains("schema", Reason("s.json", """{"id":"1","body":"x"}"""));
        Assert.Contains("schema", Reason("s.json", """{"id":1,"text":"x"}"""));
        Assert.Contains("schema", Reason("s.json", """["not","an","object"]"""));
        Assert.Contains("schema", Reason("s.json", """{"id":"1","text":"x","tasks":"sentiment"}"""));
        Assert.Contains("unknown task 'classify'", Reason("t.json", """{"id":"1","text":"x","tasks":["classify"]}"""));
        Assert.Contains(
            "documents 1 and 3 have the same id 'a'",
            Reason(
                "d.jsonl",
                "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"y\"}\n{\"id\":\"a\",\"text\":\"z\"}\n"
            )
        );
    }
}
