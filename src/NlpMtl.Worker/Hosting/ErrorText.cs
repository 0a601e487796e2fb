using Azure;

namespace NlpMtl.Worker.Hosting;

/// <summary>
/// One short line for logs, blob metadata and the CLI's error line. SDK messages carry the response's XML body and
/// headers over many lines: a storage error is reduced to status, error code and what to check.
/// </summary>
public static class ErrorText
{
    public static string Short(Exception e)
    {
        if (Storage(e) is { } storage)
            return storage;
        return $"{e.GetType().Name}: {FirstLine(e.Message)}";
    }

    /// <summary>The one line for a storage failure, or null when <paramref name="e"/> is not one.</summary>
    public static string? Storage(Exception e)
    {
        switch (e)
        {
            case RequestFailedException { Status: 0 } failed when failed.InnerException is not null:
                return Storage(failed.InnerException);
            case RequestFailedException failed:
                var code = string.IsNullOrEmpty(failed.ErrorCode) ? "" : $" {failed.ErrorCode}";
                return $"storage answered {failed.Status}{code}: "
                    + $"{FirstLine(failed.Message)}{Hint(failed.Status, failed.ErrorCode)}";
            case AggregateException aggregate when aggregate.InnerExceptions.Count > 0:
                // The SDK's retry policy gives up with every attempt's failure: the last one says it.
                return Storage(aggregate.InnerExceptions[^1]);
            case HttpRequestException http:
                // "Connection refused (host:port)": the SocketException inside does not name the endpoint.
                return $"cannot connect to storage ({FirstLine(http.Message)}); check the endpoint "
                    + "(BlobEndpoint in Storage:ConnectionString, or Storage:AccountUri), its port and the network";
            case TimeoutException or TaskCanceledException { InnerException: TimeoutException }:
                return $"storage did not answer in time ({FirstLine(e.Message)}); check the endpoint and "
                    + $"Storage:NetworkTimeout";
            default:
                return null;
        }
    }

    static string Hint(int status, string? code) =>
        (status, code) switch
        {
            (403, "AuthorizationPermissionMismatch") =>
                "; the identity may not use this account: grant it 'Storage Blob Data Contributor' "
                    + "(Storage:AccountUri) or use a key with write access",
            (401 or 403, _) =>
                "; check the account name and key (or SAS) in Storage:ConnectionString, or the identity used with "
                    + "Storage:AccountUri",
            (404, "ContainerNotFound") => "; check Queue:ContainerPrefix",
            _ => "",
        };

    static string FirstLine(string message)
    {
        var newline = message.IndexOfAny(['\r', '\n']);
        if (newline >= 0)
            message = message[..newline];
        return message.Length > 300 ? message[..300] : message;
    }
}
