using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NlpMtl.Modeling.Bert;

/// <summary>Mirrors HF <c>BertEncoder</c>: the stack of <see cref="BertLayer"/>s.</summary>
public sealed class BertEncoder : Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<BertLayer> layer;

    public BertEncoder(BertConfig config)
        : base(nameof(BertEncoder))
    {
        layer = new ModuleList<BertLayer>(
            Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config)).ToArray()
        );
        RegisterComponents();
    }

    /// <summary>The layers, for decoders warm-started from encoder weights.</summary>
    public IReadOnlyList<BertLayer> Layers => layer.ToList();

    public int Count => layer.Count;

    public override Tensor forward(Tensor hiddenStates, Tensor additiveMask)
    {
        var x = hiddenStates;
        foreach (var block in layer)
            x = block.call(x, additiveMask);
        return x;
    }
}
