using NlpMtl.Worker.Commands;

namespace NlpMtl.Worker.Tests;

/// <summary>Runs <c>nlpmtl</c> verbs in-process, capturing stdout and stderr.</summary>
static class CommandLineRunner
{
    static readonly SemaphoreSlim ConsoleGate = new(1, 1);

    public static Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args) =>
        RunAsync(NlpMtlCommandLine.Build().Parse(args), CancellationToken.None);

    /// <param name="cancellationToken">Stands for Ctrl+C/SIGTERM, which System.CommandLine turns into this
    /// token.</param>
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(
        System.CommandLine.ParseResult parse,
        CancellationToken cancellationToken
    )
    {
        await ConsoleGate.WaitAsync();
        var (stdout, stderr) = (Console.Out, Console.Error);
        try
        {
            var (capturedOut, capturedError) = (new StringWriter(), new StringWriter());
            Console.SetOut(capturedOut);
            Console.SetError(capturedError);
            var exitCode = await parse.InvokeAsync(cancellationToken: cancellationToken);
            return (exitCode, capturedOut.ToString(), capturedError.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            ConsoleGate.Release();
        }
    }
}
