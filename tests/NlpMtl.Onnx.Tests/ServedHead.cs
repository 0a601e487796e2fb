using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using NlpMtl.Core.Bundle;
using NlpMtl.Core.Tokenization;
using NlpMtl.Inference;
using NlpMtl.Inference.Generation;
using NlpMtl.Inference.Sessions;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.TestSupport;

namespace NlpMtl.Onnx.Tests;

/// <summary>
/// One generative head of a model, exported to a temporary folder and opened as serving opens it (Inference's
/// <see cref="DecoderHead"/>), so tests drive the exported graphs through the serving decoder and searches.
/// </summary>
public sealed class ServedHead : IDisposable
{
    readonly string folder;
    readonly SessionOptions options = new();

    /// <param name="step">A step graph to use instead of the exported one (e.g. its int8 variant).</param>
    public ServedHead(MultiTaskModel model, string task, global::Onnx.ModelProto? step = null)
    {
        folder = Scratch.CreateDirectory("nlpmtl-head-").FullName;
        var manifest = BundleExporter.DecoderManifestOf(model, task, model.Config.Decoder(task));
        File.WriteAllBytes(
            Path.Combine(folder, manifest.CrossFile),
            DecoderExporter.BuildCross(model, task).ToByteArray()
        );
        File.WriteAllBytes(
            Path.Combine(folder, manifest.File),
            (step ?? DecoderExporter.Build(model, task)).ToByteArray()
        );
        var names = DecoderGraphNames.For(manifest);
        var cross = new OrtGraph(
            Path.Combine(folder, manifest.CrossFile),
            options,
            [BundleNames.EncoderHiddenStates],
            names.Cross
        );
        var stepGraph = new OrtGraph(Path.Combine(folder, manifest.File), options, names.StepInputs, names.StepOutputs);
        Head = new DecoderHead(task, manifest, cross, stepGraph, new IdVocabulary(manifest), manifest.Generation);
    }

    public DecoderHead Head { get; }

    /// <summary>A serving decoder over (B, S, H) encoder states given row-major.</summary>
    public OrtStepDecoder Decoder(float[] states, long[] shape, long[] mask, long[] inputIds)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(states, shape);
        return new OrtStepDecoder(Head, value, mask, inputIds);
    }

    public void Dispose()
    {
        Head.Dispose();
        options.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>The head's ids as they are: these tests compare ids, never text.</summary>
    sealed class IdVocabulary(DecoderManifest manifest) : IDecoderVocabulary
    {
        public int VocabSize => manifest.VocabSize;
        public int PadId => manifest.PadId;
        public int BosId => manifest.BosId;
        public int EosId => manifest.EosId;

        public int[] EncodeTarget(string text, int maxLength) =>
            throw new NotSupportedException("test heads decode ids only");

        public string Decode(IEnumerable<int> ids) => string.Join(' ', ids);
    }
}
