using System.Text.Json;
using NlpMtl.Core.Tokenization;

namespace NlpMtl.Core.Tests.Tokenization;

/// <summary>
/// Every line of the HF tokenizers reference (tokenizer-parity/ under the data root: 4,161 real and crafted texts
/// with the ids HF tokenizers 0.23 gave them) encodes to the same ids, uncased with the reference tokenizer.json and
/// cased with its normalizer's <c>lowercase</c> set to false.
/// </summary>
[Trait("Category", "Integration")]
public class HfParityTests
{
    const string Folder = "tokenizer-parity";
    const string Lines = Folder + "/minilm-l6.jsonl";
    const string Json = Folder + "/tokenizer.json";

    [DataFact(Lines, Json)]
    public void UncasedIdsMatchHfOnEveryLine() => AssertParity(TokenizerJson.Read(DataRoot.PathOf(Json)), "uncased");

    [DataFact(Lines, Json)]
    public void CasedIdsMatchHfOnEveryLine()
    {
        var source = TokenizerJson.Read(DataRoot.PathOf(Json));
        AssertParity(source with { Settings = source.Settings with { Lowercase = false } }, "cased");
    }

    static void AssertParity(TokenizerSource source, string field)
    {
        var tokenizer = BertInputTokenizer.Create(source, int.MaxValue);
        var lines = File.ReadLines(DataRoot.PathOf(Lines)).Where(l => l.Length > 0).ToList();
        var failures = new List<string>();
        foreach (var (line, number) in lines.Select((l, i) => (l, i + 1)))
        {
            using var json = JsonDocument.Parse(line);
            var text = json.RootElement.GetProperty("text").GetString()!;
            var expected = json.RootElement.GetProperty(field).EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var actual = tokenizer.EncodeWhole(text).ToArray();
            if (!expected.SequenceEqual(actual))
                failures.Add(
                    $"line {number} {JsonSerializer.Serialize(text[..Math.Min(text.Length, 80)])}: "
                        + $"HF [{string.Join(' ', expected.Take(24))}] ours [{string.Join(' ', actual.Take(24))}]"
                );
        }
        Assert.True(
            failures.Count == 0,
            $"{failures.Count} of {lines.Count} lines differ ({field}):\n{string.Join('\n', failures.Take(40))}"
        );
        Assert.Equal(4161, lines.Count);
    }
}
