namespace NlpMtl.Core.Bundle;

/// <summary>
/// A bundle pointer: a small text file holding the path of the bundle folder to serve (relative to the file's folder,
/// or absolute). Publishing a new bundle rewrites the pointer with one rename, so a worker that starts at any moment
/// reads either the old bundle or the new one, never a half-written or missing one; the old folder stays for workers
/// still running on it. Everything that takes a bundle folder also takes a pointer.
/// </summary>
public static class BundlePointer
{
    /// <summary>The bundle folder <paramref name="path"/> names: itself when it is a folder, else the folder its
    /// pointer file holds.</summary>
    public static string Resolve(string path)
    {
        if (Directory.Exists(path))
            return path;
        if (!File.Exists(path))
            throw new DirectoryNotFoundException($"{path}: bundle directory not found");
        var target = File.ReadAllText(path).Trim();
        if (target.Length == 0 || target.Contains('\n'))
            throw new InvalidDataException(
                $"{path}: not a bundle pointer (a file holding one bundle folder's path on one line)"
            );
        var folder = Path.GetFullPath(target, Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{path}: points to {folder}, which is not a folder");
        return folder;
    }

    /// <summary>Points <paramref name="pointerFile"/> at <paramref name="bundleDirectory"/> (written relative when the
    /// bundle sits under the pointer's folder) by writing a temporary file beside it and renaming it over the
    /// pointer.</summary>
    public static void Publish(string pointerFile, string bundleDirectory)
    {
        var pointer = Path.GetFullPath(pointerFile);
        if (Directory.Exists(pointer))
            throw new IOException($"{pointerFile}: is a folder, not a bundle pointer file");
        var home = Path.GetDirectoryName(pointer)!;
        var bundle = Path.GetFullPath(bundleDirectory);
        if (!File.Exists(Path.Combine(bundle, BundleManifest.FileName)))
            throw new IOException(
                $"{bundleDirectory}: not a model bundle (no {BundleManifest.FileName}); {pointerFile} left as it was"
            );
        var relative = Path.GetRelativePath(home, bundle);
        var text =
            relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? bundle : relative;
        Directory.CreateDirectory(home);
        var temporary = Path.Combine(home, $".{Path.GetFileName(pointer)}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temporary, text + "\n");
        File.Move(temporary, pointer, overwrite: true); // rename(2): atomic
    }
}
