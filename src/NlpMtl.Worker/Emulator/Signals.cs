using System.Runtime.InteropServices;

namespace NlpMtl.Worker.Emulator;

/// <summary>POSIX signals for processes we start (Process.Kill only sends SIGKILL).</summary>
public static class Signals
{
    const int SIGTERM = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);

    /// <summary>Asks a process to stop gracefully (SIGTERM).</summary>
    public static void Terminate(int pid) => Send(pid, SIGTERM, nameof(SIGTERM));


    static void Send(int pid, int signal, string name)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            throw new PlatformNotSupportedException($"{name} needs a POSIX system");
        if (Kill(pid, signal) != 0) throw new InvalidOperationException($"kill({pid}, {name}) failed: errno {Marshal.GetLastPInvokeError()}");
    }
}
