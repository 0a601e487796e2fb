using NlpMtl.Modeling.Pretrained;

namespace NlpMtl.TestSupport;

/// <summary>The embedded all-MiniLM-L6-v2 written once as an HF checkpoint directory, plus its original
/// model.onnx.</summary>
public sealed class PretrainedFixture : IDisposable
{
    public PretrainedFixture()
    {
        Root = Scratch.CreateDirectory("nlpmtl-pretrained-").FullName;
        CheckpointDirectory = Path.Combine(Root, "minilm");
        Written = PretrainedCheckpointWriter.WriteMiniLm(CheckpointDirectory);
        OriginalOnnx = EmbeddedMiniLm.ReadModelOnnx();
    }

    public string Root { get; }
    public string CheckpointDirectory { get; }
    public PretrainedCheckpointWriter.Written Written { get; }
    public byte[] OriginalOnnx { get; }

    /// <summary>A fresh scratch directory under the fixture's root.</summary>
    public string NewDirectory(string name) =>
        Directory.CreateDirectory(Path.Combine(Root, $"{name}-{Guid.NewGuid():N}")).FullName;

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
