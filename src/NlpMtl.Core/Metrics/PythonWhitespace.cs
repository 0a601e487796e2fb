namespace NlpMtl.Core.Metrics;

/// <summary>
/// Python's <c>str.isspace</c>, <c>split()</c> and <c>rstrip()</c>, which sacreBLEU relies on. .NET's
/// <see cref="char.IsWhiteSpace(char)"/> agrees except for U+001C..U+001F, which Python also treats as whitespace.
/// </summary>
internal static class PythonWhitespace
{
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001C' and <= '\u001F';

    public static string[] Split(string text)
    {
        var tokens = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var boundary = i == text.Length || IsSpace(text[i]);
            if (boundary && start >= 0)
            {
                tokens.Add(text[start..i]);
                start = -1;
            }
            else if (!boundary && start < 0)
            {
                start = i;
            }
        }
        return [.. tokens];
    }

    public static string TrimEnd(string text)
    {
        var end = text.Length;
        while (end > 0 && IsSpace(text[end - 1]))
            end--;
        return text[..end];
    }
}
