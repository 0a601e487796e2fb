using System.Runtime.InteropServices;

namespace NlpMtl.Worker.Emulator;

/// <summary>POSIX signals for processes we start (Process.Kill only sends SIGKILL).</summary>
public static class Signals
{
    const int SIGTERM = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);

    /// <summary>Asks a process to stop gracefully (SIGTERM).</summary>
    public static void Terminate(int pid)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            throw new PlatformNotSupportedException("SIGTERM needs a POSIX system");
        if (Kill(pid, SIGTERM) != 0)
            throw new InvalidOperationException($"kill({pid}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
    }
}
