using System.CommandLine;
using NlpMtl.Worker.Demo;

namespace NlpMtl.Worker.Commands;

/// <summary><c>nlpmtl demo</c>: pretrained → short multi-task fine-tune on shipped samples → export → enqueue → serve → results.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var work = new Option<DirectoryInfo?>("--work") { Description = "Folder for the demo's checkpoint, bundle and logs (default: .demo in the repository)" };
        var config = new Option<FileInfo?>("--config") { Description = "Training config (default: configs/demo.json)" };
        var documents = new Option<FileInfo?>("--documents") { Description = "JSONL of {\"id\",\"text\"} to serve (default: samples/documents.jsonl)" };
        var maxSteps = new Option<long?>("--max-steps") { Description = "Override the config's max_steps" };
        var command = new Command("demo", "The whole product on embedded defaults: pretrained → fine-tune → export → queue → serve → results")
            { work, config, documents, maxSteps };
        command.SetAction((parse, cancellationToken) => NlpMtlCommandLine.Guard(token =>
        {
            var root = RepositoryRoot();
            return new DemoRunner(new DemoOptions
            {
                RepositoryRoot = root,
                WorkDirectory = parse.GetValue(work)?.FullName ?? Path.Combine(root, ".demo"),
                ConfigPath = parse.GetValue(config)?.FullName ?? Path.Combine(root, "configs", "demo.json"),
                DocumentsPath = parse.GetValue(documents)?.FullName ?? Path.Combine(root, "samples", "documents.jsonl"),
                MaxSteps = parse.GetValue(maxSteps),
            }).RunAsync(token);
        }, cancellationToken));
        return command;
    }

    /// <summary>The checkout the running nlpmtl was built from (its samples, configs and .tools/azurite).</summary>
    static string RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
                if (File.Exists(Path.Combine(directory.FullName, "NlpMtl.sln"))) return directory.FullName;
        throw new DirectoryNotFoundException("nlpmtl demo runs from an NlpMtl checkout (no NlpMtl.sln above the current folder or the program)");
    }
}
