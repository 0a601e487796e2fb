using System.CommandLine;
using System.Diagnostics;
using NlpMtl.Modeling.Pretrained;

namespace NlpMtl.Worker.Commands;

/// <summary><c>nlpmtl pretrained --out DIR</c>: the embedded all-MiniLM-L6-v2 as an HF checkpoint directory.</summary>
public static class PretrainedCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory to write the checkpoint to", Required = true };
        var command = new Command("pretrained", $"Write the embedded {EmbeddedMiniLm.ModelName} as an HF checkpoint directory") { output };
        command.SetAction((parse, cancellationToken) => NlpMtlCommandLine.Guard(_ =>
        {
            var directory = parse.GetValue(output)!.FullName;
            var watch = Stopwatch.StartNew();
            var written = PretrainedCheckpointWriter.WriteMiniLm(directory);
            var account = written.Account;
            Console.WriteLine(
                $"Wrote {written.Tensors} tensors of {EmbeddedMiniLm.ModelName} to {directory} in {watch.Elapsed.TotalSeconds:F1} s " +
                $"(ONNX initializers: {account.Named} named, {account.TransposedMatMulWeights} MatMul weights transposed, " +
                $"{account.Buffers} buffer, {account.ShapeConstants} shape constants; {account.Total} in all)");
            return Task.CompletedTask;
        }, cancellationToken));
        return command;
    }
}
