using NlpMtl.Inference.Documents;
using NlpMtl.Inference.Generation;

namespace NlpMtl.Inference.Tests;

/// <summary>A generative head's token ids for texts read as one row each: one encoder pass, then the head, as
/// <see cref="InferenceEngine.RunRows"/> runs them (which returns detokenised text).</summary>
static class EngineGeneration
{
    public static int[][] Ids(InferenceEngine engine, string task, IReadOnlyList<string> texts)
    {
        using var encoded = EncoderBatch.Run(
            engine.Bundle.Encoder,
            texts.Select(t => engine.Encode(new DocumentRequest("", t, [task])).InputIds).ToList(),
            engine.Bundle.Tokenizer.PadId,
            hidden: true,
            sentiment: false
        );
        return HeadGenerator.Generate(
            engine.Bundle.Decoder(task),
            encoded,
            [.. Enumerable.Range(0, texts.Count)],
            CancellationToken.None
        );
    }
}
