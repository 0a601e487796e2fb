using NlpMtl.Modeling.Pretrained;

namespace NlpMtl.Onnx.Tests;

/// <summary>The embedded all-MiniLM-L6-v2 written once as an HF checkpoint directory, plus its original model.onnx.</summary>
public sealed class PretrainedFixture : IDisposable
{
    public PretrainedFixture()
    {
        Root = Directory.CreateTempSubdirectory("nlpmtl-onnx-").FullName;
        CheckpointDirectory = Path.Combine(Root, "minilm");
        PretrainedCheckpointWriter.WriteMiniLm(CheckpointDirectory);
        OriginalOnnx = EmbeddedMiniLm.ReadModelOnnx();
    }

    public string Root { get; }
    public string CheckpointDirectory { get; }
    public byte[] OriginalOnnx { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
