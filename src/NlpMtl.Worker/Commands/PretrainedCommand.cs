using System.CommandLine;
using System.Diagnostics;
using NlpMtl.Core.Hub;
using NlpMtl.Modeling.Checkpoints;
using NlpMtl.Modeling.Pretrained;

namespace NlpMtl.Worker.Commands;

/// <summary>
/// <c>nlpmtl pretrained --out DIR</c>: the embedded all-MiniLM-L6-v2 as an HF checkpoint directory;
/// <c>--model ORG/NAME[@REV]</c>: a BERT-family checkpoint from the Hugging Face Hub instead (docs/hub.md).
/// </summary>
public static class PretrainedCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Directory to write the checkpoint to",
            Required = true,
        };
        var model = new Option<string?>("--model")
        {
            Description =
                "A Hub model, ORG/NAME or ORG/NAME@REVISION (default: the embedded model); HF_HOME, HF_TOKEN, "
                + "HF_HUB_OFFLINE, HF_ENDPOINT apply",
        };
        var command = new Command(
            "pretrained",
            $"Write the embedded {EmbeddedMiniLm.ModelName}, or a BERT-family model from the Hugging Face Hub, as "
                + $"an HF checkpoint directory"
        )
        {
            output,
            model,
        };
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    async token =>
                    {
                        var directory = parse.GetValue(output)!.FullName;
                        if (parse.GetValue(model) is { } name)
                        {
                            await WriteFromHubAsync(HubModelId.Parse(name), directory, token);
                            return;
                        }
                        var watch = Stopwatch.StartNew();
                        var written = PretrainedCheckpointWriter.WriteMiniLm(directory);
                        var account = written.Account;
                        Console.WriteLine(
                            $"Wrote {written.Tensors} tensors of {EmbeddedMiniLm.ModelName} to {directory} in "
                                + $"{watch.Elapsed.TotalSeconds:F1} s "
                                + $"(ONNX initializers: {account.Named} named, {account.TransposedMatMulWeights} "
                                + $"MatMul weights transposed, "
                                + $"{account.Buffers} buffer, {account.ShapeConstants} shape constants; "
                                + $"{account.Total} in all)"
                        );
                    },
                    cancellationToken
                )
        );
        return command;
    }

    static async Task WriteFromHubAsync(HubModelId id, string directory, CancellationToken cancellationToken)
    {
        var snapshot = await HubCheckpoint.DownloadAsync(id, cancellationToken);
        var files = HubCheckpoint.CopyTo(snapshot, directory);
        Console.WriteLine(
            $"Wrote {id} ({Path.GetFileName(snapshot)}) to {directory}: "
                + $"{string.Join(", ", files.Select(Path.GetFileName))} (cache: {snapshot})"
        );
    }
}
