namespace NlpMtl.Worker.Hosting;

/// <summary>One short line for logs and blob metadata (SDK messages carry multi-line header dumps).</summary>
internal static class ErrorText
{
    public static string Short(Exception e)
    {
        var message = e.Message;
        var newline = message.IndexOfAny(['\r', '\n']);
        if (newline >= 0) message = message[..newline];
        if (message.Length > 300) message = message[..300];
        return $"{e.GetType().Name}: {message}";
    }
}
