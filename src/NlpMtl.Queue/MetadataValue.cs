using System.Text;

namespace NlpMtl.Queue;

/// <summary>Blob metadata values travel as HTTP headers: printable ASCII only, kept short.</summary>
internal static class MetadataValue
{
    public static string Sanitize(string value, int maxLength = 256)
    {
        var builder = new StringBuilder(Math.Min(value.Length, maxLength));
        foreach (var c in value)
        {
            if (builder.Length == maxLength)
                break;
            builder.Append(c is >= ' ' and <= '~' ? c : '?');
        }
        return builder.ToString().Trim();
    }
}
