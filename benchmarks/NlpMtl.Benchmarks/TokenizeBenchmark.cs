using System.Diagnostics;
using NlpMtl.Core.Data;
using NlpMtl.Core.Hardware;
using NlpMtl.Core.Tokenization;

namespace NlpMtl.Benchmarks;

/// <summary>
/// Tokens/s of the encoder tokenizer on one thread over every text of an input file (as <c>predict</c> reads it),
/// nothing truncated: the whole text of each line is normalised, split and WordPiece-encoded every round.
/// </summary>
public sealed class TokenizeBenchmark(
    BertInputTokenizer tokenizer,
    IReadOnlyList<string> texts,
    int rounds,
    Action<string> print
)
{
    public static TokenizeBenchmark FromFiles(
        string tokenizerPath,
        string inputPath,
        int rounds,
        Action<string> print
    ) =>
        new(
            BertInputTokenizer.FromCheckpoint(tokenizerPath, int.MaxValue),
            DocumentReader.Read(inputPath).Select(d => d.Text).ToList(),
            rounds,
            print
        );

    public void Run()
    {
        print($"cpu: {CpuDescription.Current}");
        var tokens = EncodeAll(); // warm-up: JIT, vocabulary caches
        var seconds = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            EncodeAll();
            seconds.Add(watch.Elapsed.TotalSeconds);
        }
        seconds.Sort();
        var best = seconds[0];
        var median = seconds[seconds.Count / 2];
        print(
            $"tokenize: {texts.Count} texts, {tokens} tokens ([CLS]/[SEP] included), one thread, {rounds} rounds: "
                + $"best {tokens / best:F0} tokens/s, median {tokens / median:F0} tokens/s"
        );
    }

    long EncodeAll()
    {
        long tokens = 0;
        foreach (var text in texts)
            tokens += tokenizer.Encode(text).Count;
        return tokens;
    }
}
