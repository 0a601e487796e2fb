using System.Globalization;
using System.Text;
using System.Text.Json;

namespace NlpMtl.Core.Tokenization;

/// <summary>
/// The saved form of a <see cref="TargetTokenizer"/>, small diffable text: <c>target_tokenizer.json</c> (format, base
/// encoding, min count, id layout, counts) and <c>kept_tokens.tsv</c>, one kept token a line, line i being token
/// <c>FirstTokenId + i</c>: its base-encoding id, a tab, its bytes in hex. The bytes are stored because the
/// tokenizer library's public API cannot give them for tokens holding part of a character; every line is checked
/// against the base encoding on load.
/// </summary>
public static class TargetTokenizerFiles
{
    public const string ConfigFile = "target_tokenizer.json";
    public const string KeptTokensFile = "kept_tokens.tsv";
    const string Format = "nlpmtl-target-tokenizer";
    const int Version = 1;

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };
    static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    sealed record Config(
        string Format,
        int Version,
        string BaseEncoding,
        int MinCount,
        int PadId,
        int BosId,
        int EosId,
        int FirstByteId,
        int FirstTokenId,
        int KeptTokens,
        int VocabSize
    );

    internal static void Write(
        string directory,
        TargetTokenizerOptions options,
        IReadOnlyList<(int Id, byte[] Bytes)> kept
    )
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var config = new Config(
            Format,
            Version,
            options.BaseEncoding,
            options.MinCount,
            TargetTokenizer.PadId,
            TargetTokenizer.BosId,
            TargetTokenizer.EosId,
            TargetTokenizer.FirstByteId,
            TargetTokenizer.FirstTokenId,
            kept.Count,
            TargetTokenizer.FirstTokenId + kept.Count
        );
        File.WriteAllText(
            Path.Combine(directory, ConfigFile),
            JsonSerializer.Serialize(config, Json) + "\n",
            Utf8NoBom
        );
        var lines = new StringBuilder(kept.Count * 20);
        foreach (var (id, bytes) in kept)
            lines
                .Append(id.ToString(CultureInfo.InvariantCulture))
                .Append('\t')
                .Append(Convert.ToHexStringLower(bytes))
                .Append('\n');
        File.WriteAllText(Path.Combine(directory, KeptTokensFile), lines.ToString(), Utf8NoBom);
    }

    internal static (TargetTokenizerOptions Options, List<(int Id, byte[] Bytes)> Kept) Read(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var configPath = Path.Combine(directory, ConfigFile);
        var config = ReadConfig(configPath);
        TiktokenBase baseEncoding;
        try
        {
            baseEncoding = TiktokenBase.Get(config.BaseEncoding);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{configPath}: {e.Message}", e);
        }
        var keptPath = Path.Combine(directory, KeptTokensFile);
        var kept = ReadKeptTokens(keptPath, baseEncoding);
        if (kept.Count != config.KeptTokens)
            throw new InvalidDataException(
                $"{keptPath}: {kept.Count} tokens, but {ConfigFile} says kept_tokens = {config.KeptTokens} (truncated?)"
            );
        return (new TargetTokenizerOptions { BaseEncoding = config.BaseEncoding, MinCount = config.MinCount }, kept);
    }

    static Config ReadConfig(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: target tokenizer config not found", path);
        Config? config;
        try
        {
            config = JsonSerializer.Deserialize<Config>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
        if (config is null || config.Format != Format)
            throw new InvalidDataException($"{path}: \"format\" must be \"{Format}\"");
        if (config.Version != Version)
            throw new InvalidDataException($"{path}: version {config.Version} is not supported (expected {Version})");
        if (string.IsNullOrWhiteSpace(config.BaseEncoding))
            throw new InvalidDataException($"{path}: \"base_encoding\" is missing");
        if (config.MinCount < 1)
            throw new InvalidDataException($"{path}: \"min_count\" must be at least 1");
        // The id layout is fixed in code; a file written for another layout would silently shift every id.
        if (
            (config.PadId, config.BosId, config.EosId, config.FirstByteId, config.FirstTokenId)
            != (
                TargetTokenizer.PadId,
                TargetTokenizer.BosId,
                TargetTokenizer.EosId,
                TargetTokenizer.FirstByteId,
                TargetTokenizer.FirstTokenId
            )
        )
            throw new InvalidDataException(
                $"{path}: id layout (pad, bos, eos, first byte, first token) differs from this version's"
            );
        if (config.KeptTokens < 0 || config.VocabSize != TargetTokenizer.FirstTokenId + config.KeptTokens)
            throw new InvalidDataException(
                $"{path}: vocab_size {config.VocabSize} is not first_token_id + kept_tokens"
            );
        return config;
    }

    static List<(int Id, byte[] Bytes)> ReadKeptTokens(string path, TiktokenBase baseEncoding)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: kept tokens not found", path);
        var kept = new List<(int, byte[])>();
        var ids = new HashSet<int>();
        var spellings = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            var fields = line.Split('\t');
            if (
                fields.Length != 2
                || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            )
                throw new InvalidDataException(
                    $"{path} line {lineNumber}: expected '<base id><TAB><hex bytes>', got '{line}'"
                );
            byte[] bytes;
            try
            {
                bytes = Convert.FromHexString(fields[1]);
            }
            catch (FormatException)
            {
                throw new InvalidDataException($"{path} line {lineNumber}: '{fields[1]}' is not hex bytes");
            }
            if (bytes.Length < 2)
                throw new InvalidDataException(
                    $"{path} line {lineNumber}: a kept token has at least 2 bytes (single bytes have fallback ids)"
                );
            if (baseEncoding.IsSpecial(id))
                throw new InvalidDataException(
                    $"{path} line {lineNumber}: {id} is a special token of {baseEncoding.Name}"
                );
            // Exact where the base encoding shows the bytes; for partial characters, the U+FFFD pattern must agree.
            var matches = baseEncoding.CleanBytes(id) is { } clean
                ? clean.AsSpan().SequenceEqual(bytes)
                : baseEncoding.DecodesTo(id, bytes);
            if (!matches)
                throw new InvalidDataException(
                    $"{path} line {lineNumber}: bytes {fields[1]} are not token {id} of {baseEncoding.Name}"
                );
            if (!ids.Add(id))
                throw new InvalidDataException($"{path} line {lineNumber}: token {id} is listed twice");
            if (!spellings.Add(fields[1].ToLowerInvariant()))
                throw new InvalidDataException($"{path} line {lineNumber}: bytes {fields[1]} are listed twice");
            kept.Add((id, bytes));
        }
        return kept;
    }
}
