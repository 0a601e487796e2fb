using System.CommandLine;
using Microsoft.Extensions.Options;
using NlpMtl.Worker.Hosting;

namespace NlpMtl.Worker.Commands;

/// <summary>The <c>nlpmtl</c> verbs (docs/contracts.md).</summary>
public static class NlpMtlCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "NlpMtl: multi-task transfer learning (sentiment, summarization, translation) for .NET"
        );
        root.Subcommands.Add(PretrainedCommand.Create());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(EnqueueCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(ResultsCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(SalienceCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(TargetTokenizerCommand.Create());
        return root;
    }

    /// <summary> How to invoke a parsed command line. <c>serve</c> leaves SIGTERM/Ctrl+C to its host, whose graceful
    /// stop takes up to HostOptions.ShutdownTimeout; System.CommandLine's handler would end the process after 2 s.
    /// </summary> <remarks><c>predict</c> and <c>eval</c> stop on their own at the next batch or decoding step,
    /// deleting their partial output and printing one line; they get 30 s for it, where the default 2 s would end the
    /// process first and leave the partial file behind. <c>train</c> finishes its step and saves <c>OUT/last</c>
    /// (seconds for the models it trains); it gets 60 s, and its checkpoints are swapped in whole, so even a process
    /// ended before that keeps the previous <c>last/</c> intact.</remarks>
    public static InvocationConfiguration InvocationFor(ParseResult parse) =>
        parse.CommandResult.Command.Name switch
        {
            "serve" => new InvocationConfiguration { ProcessTerminationTimeout = null },
            "predict" or "eval" => new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) },
            "train" => new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) },
            _ => new InvocationConfiguration(),
        };

    /// <summary>
    /// Runs a verb's body: exit 0 on success, otherwise one line on stderr and exit 1 (the stack trace too only with
    /// NLPMTL_TRACE=1).
    /// </summary>
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
            await Console.Error.WriteLineAsync($"nlpmtl: {OneLine(e)}");
            if (Environment.GetEnvironmentVariable("NLPMTL_TRACE") == "1")
                await Console.Error.WriteLineAsync(e.ToString());
            return 1;
        }
    }

    /// <summary>What went wrong, on one line: every invalid option (naming its key), or a storage error's status,
    /// code and what to check, or the exception's own message.</summary>
    static string OneLine(Exception e) =>
        e switch
        {
            OptionsValidationException invalid => string.Join("; ", invalid.Failures),
            AggregateException { InnerExceptions: var inner } when inner.All(i => i is OptionsValidationException) =>
                string.Join("; ", inner.SelectMany(i => ((OptionsValidationException)i).Failures)),
            _ => ErrorText.Storage(e) ?? e.Message.ReplaceLineEndings(" "),
        };
}
