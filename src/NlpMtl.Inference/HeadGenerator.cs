using Microsoft.ML.OnnxRuntime;
using NlpMtl.Inference.Generation;
using NlpMtl.Inference.Sessions;

namespace NlpMtl.Inference;

/// <summary>Runs a generative head on some rows of an encoded batch: cross graph once, then greedy or beam
/// search.</summary>
internal static class HeadGenerator
{
    /// <param name="rows">Rows of <paramref name="encoded"/> that asked for this head.</param>
    /// <returns>Generated ids per row (BOS and EOS excluded), in <paramref name="rows"/> order.</returns>
    public static int[][] Generate(
        DecoderHead head,
        EncoderBatch encoded,
        int[] rows,
        CancellationToken cancellationToken
    )
    {
        var hidden = encoded.Hidden ?? throw new InvalidOperationException("the encoder's hidden states were not kept");
        var length = rows.Max(r => encoded.Lengths[r]);
        var everyRow = rows.Length == encoded.Lengths.Length && length == encoded.SequenceLength;
        // A subset (other rows asked for other tasks) is copied out, cut to its own longest row.
        using var subset = everyRow ? null : OrtTensors.GatherRows(hidden, rows, length);
        var mask = new long[rows.Length * length];
        for (var i = 0; i < rows.Length; i++)
            encoded.Mask.AsSpan(rows[i] * encoded.SequenceLength, length).CopyTo(mask.AsSpan(i * length));
        // A copying head writes source ids: (rows, length) like the mask; padding is masked, so its id does not matter.
        var sourceIds = head.Manifest.Copy
            ? EncoderBatch.PadRows([.. rows.Select(r => encoded.Rows[r])], length, padId: 0)
            : null;
        using var decoder = new OrtStepDecoder(head, subset ?? hidden, mask, sourceIds);
        return head.Settings.NumBeams == 1
            ? GreedySearch.Run(decoder, head.Special, head.Settings, cancellationToken)
            : BeamSearch.Run(decoder, head.Special, head.Settings, cancellationToken);
    }
}
