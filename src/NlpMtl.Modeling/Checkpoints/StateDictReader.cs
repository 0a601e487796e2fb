using System.Buffers.Binary;
using System.Collections;
using System.Text.Json;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace NlpMtl.Modeling.Checkpoints;

/// <summary>Reads HF weight files (safetensors or PyTorch pickles) into name → tensor maps with
/// TorchSharp.PyBridge.</summary>
public static class StateDictReader
{
    /// <summary>All tensors of all <paramref name="files"/>; a name in two shards is an error.</summary>
    public static Dictionary<string, Tensor> Read(IEnumerable<string> files)
    {
        var all = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var (name, tensor) in ReadFile(file))
            {
                if (!all.TryAdd(name, tensor))
                    throw new InvalidDataException($"{file}: tensor '{name}' also appears in another shard");
            }
        }
        return all;
    }

    public static Dictionary<string, Tensor> ReadFile(string file)
    {
        if (file.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            CheckSafetensorsComplete(file);
            return Safetensors.LoadStateDict(file);
        }
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(file);
        }
        catch (Exception e)
            when (e
                    is InvalidDataException
                        or EndOfStreamException
                        or IOException
                        or NotSupportedException
                        or InvalidOperationException
                        or ArgumentException
            )
        {
            throw new InvalidDataException(
                $"{file}: not a readable PyTorch checkpoint, truncated or corrupt ({e.Message})",
                e
            );
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Value is Tensor t)
                result[(string)entry.Key] = t;
        }
        return result;
    }

    /// <summary>
    /// A safetensors file is an 8-byte header length, a JSON header giving each tensor's byte range, then the data.
    /// Check the ranges against the file length so a truncated download fails with its name, not a native crash.
    /// </summary>
    static void CheckSafetensorsComplete(string file)
    {
        using var stream = File.OpenRead(file);
        Span<byte> lengthBytes = stackalloc byte[8];
        if (stream.Read(lengthBytes) != 8)
            throw new InvalidDataException($"{file}: truncated safetensors file (no header)");
        var headerLength = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
        if (headerLength <= 0 || headerLength > stream.Length - 8)
            throw new InvalidDataException(
                $"{file}: truncated or corrupt safetensors file (header of {headerLength} bytes, file of "
                    + $"{stream.Length})"
            );
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        var dataLength = stream.Length - 8 - headerLength;
        using var json = JsonDocument.Parse(header);
        foreach (var tensor in json.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__"))
        {
            var end = tensor.Value.GetProperty("data_offsets")[1].GetInt64();
            if (end > dataLength)
                throw new InvalidDataException(
                    $"{file}: truncated — tensor '{tensor.Name}' ends at byte {end} of the data but the file "
                        + $"holds {dataLength}"
                );
        }
    }
}
