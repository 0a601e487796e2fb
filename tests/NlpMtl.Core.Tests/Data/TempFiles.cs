using System.Text;
using NlpMtl.TestSupport;

namespace NlpMtl.Core.Tests.Data;

/// <summary>A temp directory per test class instance; files are written as raw bytes so BOMs and CRLF are
/// exact.</summary>
public sealed class TempFiles : IDisposable
{
    readonly string root = Scratch.CreateDirectory("nlpmtl-data-").FullName;

    public string Write(string name, string content, bool bom = false)
    {
        var path = Path.Combine(root, name);
        var bytes = Encoding.UTF8.GetBytes(content);
        File.WriteAllBytes(path, bom ? [0xEF, 0xBB, 0xBF, .. bytes] : bytes);
        return path;
    }

    public string PathOf(string name) => Path.Combine(root, name);

    public string WriteBytes(string name, byte[] bytes)
    {
        var path = Path.Combine(root, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
