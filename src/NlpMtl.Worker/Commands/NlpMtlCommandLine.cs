using System.CommandLine;

namespace NlpMtl.Worker.Commands;

/// <summary>The <c>nlpmtl</c> verbs (../shared/DESIGN.md, "CLI contract").</summary>
public static class NlpMtlCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("NlpMtl: multi-task transfer learning (sentiment, summarization, translation) for .NET");
        root.Subcommands.Add(PretrainedCommand.Create());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(EnqueueCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(ResultsCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        return root;
    }

    /// <summary>
    /// How to invoke a parsed command line. <c>serve</c> leaves SIGTERM/Ctrl+C to its host, whose graceful stop takes up
    /// to HostOptions.ShutdownTimeout; System.CommandLine's handler would end the process after 2 s.
    /// </summary>
    public static InvocationConfiguration InvocationFor(ParseResult parse) =>
        parse.CommandResult.Command.Name == "serve" ? new InvocationConfiguration { ProcessTerminationTimeout = null } : new InvocationConfiguration();

    /// <summary>Runs a verb's body: exit 0 on success, otherwise one line on stderr and exit 1.</summary>
    public static async Task<int> Guard(Func<CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        try
        {
            await body(cancellationToken);
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("nlpmtl: cancelled");
            return 130;
        }
        catch (Exception e)
        {
            var message = e.Message.ReplaceLineEndings(" ");
            await Console.Error.WriteLineAsync($"nlpmtl: {message}");
            if (Environment.GetEnvironmentVariable("NLPMTL_TRACE") == "1") await Console.Error.WriteLineAsync(e.ToString());
            return 1;
        }
    }
}
