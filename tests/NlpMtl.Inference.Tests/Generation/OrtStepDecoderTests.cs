using NlpMtl.Core;
using NlpMtl.Inference.Generation;
using NlpMtl.Inference.Sessions;
using NlpMtl.Modeling.MultiTask;

namespace NlpMtl.Inference.Tests.Generation;

/// <summary>
/// The step decoder keeps one cross row per document, shared by its beams: expanding, reordering and dropping rows
/// must give every row the logits it would get decoding its document alone.
/// </summary>
[Collection(BundleCollection.Name)]
[Trait("Category", "Integration")]
public class OrtStepDecoderTests(BundleFixture fixture)
{
    [Theory]
    [InlineData(new[] { 0, 0, 1, 1 }, new[] { 0, 1 })] // two documents × two beams
    [InlineData(new[] { 3, 3, 3 }, new[] { 3 })] // one document, three beams
    [InlineData(new[] { 2, 2, 5, 5, 2, 2 }, new[] { 2, 5, 2 })] // a document may come back as its own group
    [InlineData(new[] { 0, 0, 1 }, new[] { 0, 0, 1 })] // unequal groups: one cross row per row
    [InlineData(new[] { 0, 1, 0, 1 }, new[] { 0, 1, 0, 1 })]
    [InlineData(new int[0], new int[0])]
    public void CrossRowsAreOnePerDocumentWhenRowsComeInEqualGroups(int[] documents, int[] expected)
    {
        Assert.Equal(expected, OrtStepDecoder.DocumentGroups(documents));
    }

    [Fact]
    public void BeamsSharingTheirDocumentsCrossRowsGetEachDocumentsOwnLogits()
    {
        using var engine = InferenceEngine.Load(
            fixture.Pretrained.Bundle,
            new InferenceOptions { ExecutionProvider = ExecutionProviderPreference.Cpu }
        );
        var head = engine.Bundle.Decoder(TaskNames.Summarize); // the copying head: copy keys are per document too
        string[] texts =
        [
            "a charming and often affecting journey",
            "the plot is a mess",
            "ein Mann fährt mit dem Hund in den Park und singt",
        ];
        using var encoded = EncoderBatch.Run(
            engine.Bundle.Encoder,
            texts.Select(t => engine.Encode(new DocumentRequest("", t, [TaskNames.Summarize])).InputIds).ToList(),
            engine.Bundle.Tokenizer.PadId,
            hidden: true,
            sentiment: false
        );
        var vocab = head.Manifest.VocabSize;
        long bos = head.Special.Bos;

        // Three documents × two beams, then the first document leaves and the others' beams swap.
        using var shared = Decoder(head, encoded, [0, 1, 2]);
        shared.Select([0, 0, 1, 1, 2, 2]);
        var first = shared.Step([bos, bos, bos, bos, bos, bos]).ToArray();
        long[] second = [1000, 1001, 2000, 2001, 3000, 3001];
        shared.Step(second);
        shared.Select([5, 4, 3, 2]); // document 0 leaves; document 2's rows now come first
        var third = shared.Step([7, 8, 9, 10]).ToArray();

        for (var document = 0; document < 3; document++)
        {
            for (var beam = 0; beam < 2; beam++)
            {
                using var alone = Decoder(head, encoded, [document]);
                AssertClose(alone.Step([bos]), first.AsSpan((2 * document + beam) * vocab, vocab));
            }
        }
        // Row r of the last step continued row [5, 4, 3, 2][r] of the second: its document alone, with the same tokens.
        int[] previous = [5, 4, 3, 2];
        long[] last = [7, 8, 9, 10];
        for (var row = 0; row < 4; row++)
        {
            using var alone = Decoder(head, encoded, [previous[row] / 2]);
            alone.Step([bos]);
            alone.Step([second[previous[row]]]);
            AssertClose(alone.Step([last[row]]), third.AsSpan(row * vocab, vocab));
        }
    }

    static OrtStepDecoder Decoder(DecoderHead head, EncoderBatch encoded, int[] rows)
    {
        var length = rows.Max(r => encoded.Lengths[r]);
        // the decoder runs its cross graph on it
        using var states = OrtTensors.GatherRows(encoded.Hidden!, rows, length);
        var mask = new long[rows.Length * length];
        for (var i = 0; i < rows.Length; i++)
            encoded.Mask.AsSpan(rows[i] * encoded.SequenceLength, length).CopyTo(mask.AsSpan(i * length));
        return new OrtStepDecoder(
            head,
            states,
            mask,
            EncoderBatch.PadRows([.. rows.Select(r => encoded.Rows[r])], length, padId: 0)
        );
    }

    static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        var worst = 0f;
        for (var i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= 1e-4f, $"logits max |Δ| {worst:E2}");
    }
}
