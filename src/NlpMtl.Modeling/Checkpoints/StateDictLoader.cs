using TorchSharp;
using static TorchSharp.torch;

namespace NlpMtl.Modeling.Checkpoints;

/// <summary>
/// Copies a checkpoint's tensors into a module, strictly, as nanoGPT's <c>from_pretrained</c> does: every parameter
/// and buffer of the module must be present with the same shape, and every tensor of the checkpoint must be used.
/// Errors name the file and the key.
/// </summary>
public static class StateDictLoader
{
    /// <summary>
    /// Reads <paramref name="files"/>, loads them strictly into <paramref name="module"/> (in eval mode) and frees the
    /// read tensors; the module is disposed if loading fails. No dispose scope is used: TorchSharp's Embedding hands
    /// out its weight as a fresh wrapper, and a scope that captured it would dispose the module's own parameter.
    /// </summary>
    /// <param name="normalise">Renames checkpoint keys to the module's (e.g. HF's <c>bert.</c> prefix).</param>
    public static T LoadInto<T>(
        T module,
        IReadOnlyList<string> files,
        string source,
        Func<Dictionary<string, Tensor>, Dictionary<string, Tensor>>? normalise = null
    )
        where T : nn.Module
    {
        var read = StateDictReader.Read(files);
        try
        {
            LoadStrict(module, normalise?.Invoke(read) ?? read, source);
        }
        catch
        {
            module.Dispose();
            throw;
        }
        finally
        {
            foreach (var tensor in read.Values)
                tensor.Dispose();
        }
        module.eval();
        return module;
    }

    /// <summary>
    /// Copies <paramref name="tensors"/> into <paramref name="module"/>'s state dict under no_grad. Do not call inside
    /// a dispose scope that outlives the module's use: <c>state_dict()</c> wrappers of native modules (Embedding) would
    /// be captured and the module's parameters disposed with the scope.
    /// </summary>
    /// <param name="source">What to name in errors (the file or directory the tensors came from).</param>
    public static void LoadStrict(nn.Module module, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var target = module.state_dict();
        var missing = target.Keys.Where(k => !tensors.ContainsKey(k)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"{source}: missing key '{missing[0]}'" + (missing.Count > 1 ? $" and {missing.Count - 1} more" : "")
            );
        var unexpected = tensors.Keys.Where(k => !target.ContainsKey(k)).ToList();
        if (unexpected.Count > 0)
            throw new InvalidDataException(
                $"{source}: unexpected key '{unexpected[0]}'"
                    + (unexpected.Count > 1 ? $" and {unexpected.Count - 1} more" : "")
            );

        using var noGrad = no_grad();
        foreach (var (name, destination) in target)
        {
            var tensor = tensors[name];
            if (!destination.shape.SequenceEqual(tensor.shape))
                throw new InvalidDataException(
                    $"{source}: key '{name}' has shape [{string.Join(", ", tensor.shape)}], the model expects "
                        + $"[{string.Join(", ", destination.shape)}]"
                );
            if (tensor.dtype == destination.dtype)
            {
                destination.copy_(tensor);
            }
            else
            {
                using var converted = tensor.to(destination.dtype); // e.g. fp16 checkpoints into an fp32 model
                destination.copy_(converted);
            }
        }
    }
}
