namespace NlpMtl.Core.Downloads;

/// <summary>
/// Download progress on stderr: one rewritten line per file on a terminal; nothing per chunk when stderr is redirected
/// (logs and CI), only one line per finished file, so captured output stays readable.
/// </summary>
public sealed class ConsoleDownloadProgress(TextWriter? writer = null, bool? interactive = null) : IProgress<DownloadProgress>
{
    readonly TextWriter _writer = writer ?? Console.Error;
    readonly bool _interactive = interactive ?? !Console.IsErrorRedirected;
    readonly Lock _gate = new();
    long _lastTicks;

    public void Report(DownloadProgress value)
    {
        lock (_gate)
        {
            if (value.Done)
            {
                _writer.Write(_interactive ? $"\r{Line(value)}\n" : $"{Line(value)}\n");
                return;
            }
            if (!_interactive) return;
            // Redrawing at every 80 KiB chunk would cost more than the download on a fast link.
            var now = Environment.TickCount64;
            if (now - _lastTicks < 100) return;
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

    static string Megabytes(long bytes) => bytes < 1 << 20 ? $"{bytes / 1024.0:F1} KB" : $"{bytes / (double)(1 << 20):F1} MB";
}
