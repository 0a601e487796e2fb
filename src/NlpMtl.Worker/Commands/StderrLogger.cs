using Microsoft.Extensions.Logging;

namespace NlpMtl.Worker.Commands;

/// <summary>
/// Log lines of the one-shot verbs (predict, eval, bench) on stderr, so stdout stays the verb's output (eval's JSON).
/// The hosted worker logs through the host's providers instead.
/// </summary>
sealed class StderrLogger(LogLevel minimum = LogLevel.Information) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    public void Log<TState>(
        LogLevel logLevel,
        EventId eventId,
        TState state,
        Exception? exception,
        Func<TState, Exception?, string> formatter
    )
    {
        if (IsEnabled(logLevel))
            Console.Error.WriteLine($"nlpmtl: {formatter(state, exception)}");
    }
}
