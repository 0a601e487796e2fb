namespace NlpMtl.Core.Downloads;

/// <summary> Download progress on stderr: one rewritten line per file on a terminal, ending with the file's size once
/// it is verified; nothing when stderr is not a terminal (logs, CI, pipes), so that captured output holds only results
/// and errors. </summary>
public sealed class ConsoleDownloadProgress(TextWriter? writer = null, bool? interactive = null)
    : IProgress<DownloadProgress>
{
    readonly TextWriter writer = writer ?? Console.Error;
    readonly bool interactive = interactive ?? !Console.IsErrorRedirected;
    readonly Lock gate = new();
    long lastTicks;

    public void Report(DownloadProgress value)
    {
        if (!interactive)
            return;
        lock (gate)
        {
            if (value.Done)
            {
                writer.Write($"\r{Line(value)}\n");
                return;
            }
            // Redrawing at every 80 KiB chunk would cost more than the download on a fast link.
            var now = Environment.TickCount64;
            if (now - lastTicks < 100)
                return;
            lastTicks = now;
            writer.Write($"\r{Line(value)}");
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
