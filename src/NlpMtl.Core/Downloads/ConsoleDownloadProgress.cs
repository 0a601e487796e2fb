namespace NlpMtl.Core.Downloads;

/// <summary> Download progress on stderr: one rewritten line per file on a terminal, ending with the file's size once
/// it is verified; nothing when stderr is not a terminal (logs, CI, pipes), so that captured output holds only results
/// and errors. </summary>
public sealed class ConsoleDownloadProgress(TextWriter? writer = null, bool? interactive = null)
    : IProgress<DownloadProgress>
{
    readonly TextWriter _writer = writer ?? Console.Error;
    readonly bool _interactive = interactive ?? !Console.IsErrorRedirected;
    readonly Lock _gate = new();
    long _lastTicks;

    public void Report(DownloadProgress value)
    {
        if (!_interactive)
            return;
        lock (_gate)
        {
            if (value.Done)
            {
                _writer.Write($"\r{Line(value)}\n");
                return;
            }
            // Redrawing at every 80 KiB chunk would cost more than the download on a fast link.
            var now = Environment.TickCount64;
            if (now - _lastTicks < 100)
                return;
            _lastTicks = now;
            _writer.Write($"\r{Line(value)}");
        }
    }

    static string Line(DownloadProgress p)
    {
        var received = Megabytes(p.Received);
        return p.Total is { } total and > 0
            ? $"{p.Name}: {received} / {Megabytes(total)} ({100.0 * p.Received / total:F0} %)   "
            : $"{p.Name}: {received}   ";
    }

    static string Megabytes(long bytes) =>
        bytes < 1 << 20 ? $"{bytes / 1024.0:F1} KB" : $"{bytes / (double)(1 << 20):F1} MB";
}
