namespace NlpMtl.Inference.Tests;

public class DependencyTests
{
    [Fact]
    public void ServingNeverReferencesTorchSharpOrTheModelingProject()
    {
        var references = typeof(InferenceEngine).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("Microsoft.ML.OnnxRuntime", references);
        Assert.DoesNotContain(references, name =>
            name.StartsWith("TorchSharp", StringComparison.Ordinal) || name is "NlpMtl.Modeling" or "NlpMtl.Onnx"
        );
    }
}
