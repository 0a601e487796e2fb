using Google.Protobuf;
using NlpMtl.Modeling.Pretrained;
using NlpMtl.TestSupport;
using Onnx;

namespace NlpMtl.Modeling.Tests;

/// <summary>The importer refuses graphs that are not the BERT export it understands, naming what is wrong.</summary>
[Collection(TorchCollection.Name)]
[Trait("Category", "Integration")]
public class OnnxBertImporterTests(PretrainedFixture fixture)
{
    byte[] Edited(Action<GraphProto> edit)
    {
        var model = ModelProto.Parser.ParseFrom(fixture.OriginalOnnx);
        edit(model.Graph);
        return model.ToByteArray();
    }

    [Fact]
    public void UnknownInitializerIsNamed()
    {
        var onnx = Edited(g =>
            g.Initializer.Add(
                new TensorProto
                {
                    Name = "mystery",
                    DataType = (int)TensorProto.Types.DataType.Float,
                    Dims = { 4 },
                    RawData = ByteString.CopyFrom(new byte[16]),
                }
            )
        );
        var error = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(onnx, "edited.onnx"));
        Assert.Contains("initializer 'mystery' [4] is not part of a BERT export", error.Message);
        Assert.StartsWith("edited.onnx", error.Message);
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        var onnx = Edited(g =>
            g.Initializer.Remove(g.Initializer.Single(t => t.Name == "encoder.layer.5.output.LayerNorm.weight"))
        );
        var error = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(onnx, "edited.onnx"));
        Assert.Contains("missing key 'encoder.layer.5.output.LayerNorm.weight'", error.Message);
    }

    [Fact]
    public void MatMulWithoutNamedBiasIsRefused()
    {
        var onnx = Edited(g =>
        {
            const string bias = "encoder.layer.0.attention.self.query.bias";
            g.Initializer.Single(t => t.Name == bias).Name = "q_b";
            var add = g.Node.Single(n => n.OpType == "Add" && n.Input.Contains(bias));
            add.Input[add.Input.IndexOf(bias)] = "q_b";
        });
        var error = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(onnx, "edited.onnx"));
        Assert.Contains("has no named bias", error.Message);
    }

    [Fact]
    public void NonOnnxBytesAreRefused()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            OnnxBertImporter.Import("not a model"u8.ToArray(), "junk.onnx")
        );
        Assert.Contains("junk.onnx", error.Message);
    }
}
