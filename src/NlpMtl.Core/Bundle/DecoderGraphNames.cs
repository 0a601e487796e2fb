namespace NlpMtl.Core.Bundle;

/// <summary> The input and output names of one generative head's graphs, in the order serving feeds and reads them:
/// loading checks the graphs against them and decoding passes values in this order, so a head kind (e.g. a copying
/// head's extra inputs) is described once, here. </summary> <param name="Cross">Cross graph outputs = the step graph's
/// cross inputs: per layer key, value; then a copying head's copy keys.</param> <param name="Past">Per layer past key,
/// value (step graph inputs).</param> <param name="Present">Per layer present key, value (step graph outputs, fed back
/// as the next past).</param> <param name="StepInputs">New tokens, encoder mask, <paramref name="Past"/>,
/// <paramref name="Cross"/>, then a copying head's encoder input ids.</param> <param name="StepOutputs">Logits, then
/// <paramref name="Present"/>.</param>
public sealed record DecoderGraphNames(
    IReadOnlyList<string> Cross,
    IReadOnlyList<string> Past,
    IReadOnlyList<string> Present,
    IReadOnlyList<string> StepInputs,
    IReadOnlyList<string> StepOutputs
)
{
    public static DecoderGraphNames For(DecoderManifest manifest)
    {
        var layers = Enumerable.Range(0, manifest.NumLayers).ToList();
        string[] cross =
        [
            .. layers.SelectMany(l => new[] { BundleNames.CrossKey(l), BundleNames.CrossValue(l) }),
            .. manifest.Copy ? [BundleNames.CopyKeys] : Array.Empty<string>(),
        ];
        string[] past = [.. layers.SelectMany(l => new[] { BundleNames.PastKey(l), BundleNames.PastValue(l) })];
        string[] present =
        [
            .. layers.SelectMany(l => new[] { BundleNames.PresentKey(l), BundleNames.PresentValue(l) }),
        ];
        string[] stepInputs =
        [
            BundleNames.DecoderInputIds,
            BundleNames.EncoderAttentionMask,
            .. past,
            .. cross,
            .. manifest.Copy ? [BundleNames.EncoderInputIds] : Array.Empty<string>(),
        ];
        return new(cross, past, present, stepInputs, [BundleNames.Logits, .. present]);
    }
}
