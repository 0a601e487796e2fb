using System.Text.Json;
using NlpMtl.Core.Tokenization;
using NlpMtl.TestSupport;

namespace NlpMtl.Core.Tests.Tokenization;

/// <summary><c>nlpmtl tokenize</c>'s file: one {"id","ids","tokens"} per input, in order, nothing truncated.</summary>
public class TokenizationFileTests
{
    static readonly string Vocab = Path.Combine(
        AppContext.BaseDirectory,
        "tokenizers",
        "all-MiniLM-L6-v2",
        "vocab.txt"
    );

    [Fact]
    public void WritesIdsAndTokensOfEveryDocumentInOrderWithoutTruncation()
    {
        var tokenizer = BertInputTokenizer.Create(Vocab, new BertInputTokenizerOptions { MaxLength = 8 });
        var directory = Scratch.CreateDirectory("nlpmtl-tokenize-").FullName;
        var input = Path.Combine(directory, "in.jsonl");
        var longText = string.Join(' ', Enumerable.Repeat("good film", 300));
        File.WriteAllLines(
            input,
            [
                JsonSerializer.Serialize(new { id = "b", text = "İzmir [SEP]" }),
                JsonSerializer.Serialize(new { id = "a", text = longText }),
            ]
        );
        var output = Path.Combine(directory, "out.jsonl");

        Assert.Equal(2, TokenizationFile.Run(tokenizer, input, output));

        var lines = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["b", "a"], lines.Select(l => l.GetProperty("id").GetString()));
        Assert.Equal(
            [101, 1045, 2480, 14503, 1031, 19802, 1033, 102],
            lines[0].GetProperty("ids").EnumerateArray().Select(e => e.GetInt32())
        );
        Assert.Equal(
            ["[CLS]", "i", "##z", "##mir", "[", "sep", "]", "[SEP]"],
            lines[0].GetProperty("tokens").EnumerateArray().Select(e => e.GetString())
        );
        // 600 words + [CLS] + [SEP], not the 8 of MaxLength
        Assert.Equal(602, lines[1].GetProperty("ids").GetArrayLength());
        Assert.False(File.Exists(output + ".partial"));
    }

    [Fact]
    public void BadInputNamesTheLineAndLeavesNoOutput()
    {
        var tokenizer = BertInputTokenizer.Create(Vocab);
        var directory = Scratch.CreateDirectory("nlpmtl-tokenize-").FullName;
        var input = Path.Combine(directory, "in.jsonl");
        File.WriteAllLines(input, ["""{"id": "1", "text": "fine"}""", """{"id": "2", "text": 7}"""]);
        var output = Path.Combine(directory, "out.jsonl");

        var error = Assert.Throws<InvalidDataException>(() => TokenizationFile.Run(tokenizer, input, output));
        Assert.Contains("in.jsonl", error.Message);
        Assert.Contains("2", error.Message);
        Assert.False(File.Exists(output));
        Assert.False(File.Exists(output + ".partial"));
    }
}
