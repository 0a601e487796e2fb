using System.CommandLine;
using NlpMtl.Worker.Demo;

namespace NlpMtl.Worker.Commands;

/// <summary><c>nlpmtl demo</c>: pretrained → short multi-task fine-tune on shipped samples → export → enqueue → serve →
/// results.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var work = new Option<DirectoryInfo?>("--work")
        {
            Description = "Folder for the demo's checkpoint, bundle and logs (default: .demo in the current folder)",
        };
        var config = new Option<FileInfo?>("--config")
        {
            Description = "Training config (default: the configs/demo.json shipped beside nlpmtl)",
        };
        var documents = new Option<FileInfo?>("--documents")
        {
            Description =
                "JSONL of {\"id\",\"text\"} to serve (default: the samples/documents.jsonl shipped beside nlpmtl)",
        };
        var maxSteps = new Option<long?>("--max-steps") { Description = "Override the config's max_steps" };
        var storage = new Option<string?>("--storage")
        {
            Description =
                "Blob storage connection string for the queue (Azure Storage or an Azurite you run); default: "
                + "start Azurite "
                + "($NLPMTL_AZURITE, ./.tools/azurite, or azurite-blob on PATH)",
        };
        var command = new Command(
            "demo",
            "The whole product on embedded defaults: pretrained → fine-tune → export → queue → serve → results"
        )
        {
            work,
            config,
            documents,
            maxSteps,
            storage,
        };
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    token =>
                    {
                        // The demo's inputs ship beside the program (the build copies configs/, samples/ and
                        // tokenizers/ there), so it runs from a published folder or the image as well as from a
                        // checkout.
                        var shipped = AppContext.BaseDirectory;
                        return new DemoRunner(
                            new DemoOptions
                            {
                                WorkDirectory = parse.GetValue(work)?.FullName ?? Path.GetFullPath(".demo"),
                                ConfigPath = parse.GetValue(config)?.FullName
                                    ?? Path.Combine(shipped, "configs", "demo.json"),
                                DocumentsPath = parse.GetValue(documents)?.FullName
                                    ?? Path.Combine(shipped, "samples", "documents.jsonl"),
                                MaxSteps = parse.GetValue(maxSteps),
                                StorageConnectionString = parse.GetValue(storage),
                            }
                        ).RunAsync(token);
                    },
                    cancellationToken
                )
        );
        return command;
    }
}
