using System.Collections.Concurrent;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace NlpMtl.Core.Tokenization;

/// <summary>
/// A Microsoft.ML.Tokenizers tiktoken encoding, used through its public API only. That API decodes ids to strings,
/// not bytes, so a token's bytes are exact only when they are valid UTF-8 on their own (<see cref="CleanBytes"/>); the
/// ~1% of tokens holding part of a character (U+FFFD when decoded alone) get their bytes from the text around them.
/// </summary>
internal sealed class TiktokenBase
{
    // Creating an encoding parses its embedded data file (~1 s for o200k_base); the tokenizer is thread-safe, so share
    // it.
    static readonly ConcurrentDictionary<string, Lazy<TiktokenBase>> Cache = new(StringComparer.Ordinal);

    readonly ConcurrentDictionary<int, string> decoded = new();
    readonly ConcurrentDictionary<int, byte[]?> cleanBytes = new();
    readonly HashSet<int> specialIds;

    TiktokenBase(string name, TiktokenTokenizer tokenizer)
    {
        Name = name;
        Tokenizer = tokenizer;
        specialIds = (tokenizer.SpecialTokens ?? new Dictionary<string, int>()).Values.ToHashSet();
    }

    public string Name { get; }
    public TiktokenTokenizer Tokenizer { get; }

    public static TiktokenBase Get(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Cache.GetOrAdd(name, n => new Lazy<TiktokenBase>(() => Create(n))).Value;
    }

    static TiktokenBase Create(string name)
    {
        try
        {
            return new TiktokenBase(name, TiktokenTokenizer.CreateForEncoding(name));
        }
        catch (Exception e)
            when (e is ArgumentException or InvalidOperationException or IOException or NotSupportedException)
        {
            throw new ArgumentException(
                $"base encoding '{name}' is not available: {e.Message} (NlpMtl.Core ships o200k_base)",
                e
            );
        }
    }

    /// <summary>
    /// <paramref name="text"/> cut into the encoding's pre-tokenization pieces, covering it in order. BPE never merges
    /// across pieces, and a piece starts and ends on a character, so its UTF-8 bytes are exactly its tokens' bytes.
    /// </summary>
    public IEnumerable<string> Pieces(string text)
    {
        if (Tokenizer.PreTokenizer is not { } preTokenizer)
        {
            if (text.Length > 0)
                yield return text;
            yield break;
        }
        var position = 0;
        foreach (var (offset, length) in preTokenizer.PreTokenize(text))
        {
            // Defensive: emit any gap as its own piece, and never split a surrogate pair, so no text is lost.
            if (offset > position)
            {
                yield return text[position..offset];
                position = offset;
            }
            var to = Math.Min(offset + length, text.Length);
            if (to < text.Length && to > 0 && char.IsHighSurrogate(text[to - 1]) && char.IsLowSurrogate(text[to]))
                to++;
            if (to <= position)
                continue;
            yield return text[position..to];
            position = to;
        }
        if (position < text.Length)
            yield return text[position..];
    }

    public IReadOnlyList<int> EncodePiece(string piece) => Tokenizer.EncodeToIds(piece, considerPreTokenization: false);

    public bool IsSpecial(int id) => specialIds.Contains(id);

    /// <summary>
    /// The bytes of <paramref name="id"/> when its decoded text shows them exactly, i.e. has no U+FFFD (a partial
    /// character, or a literal U+FFFD we cannot tell apart); null otherwise and for ids the encoding does not have.
    /// </summary>
    public byte[]? CleanBytes(int id) => cleanBytes.GetOrAdd(id, i =>
        {
            var text = Decoded(i);
            return text.Length == 0 || text.Contains('\uFFFD') ? null : Encoding.UTF8.GetBytes(text);
        });

    /// <summary>Whether <paramref name="bytes"/>, read as UTF-8 with U+FFFD replacement, is what <paramref name="id"/>
    /// decodes to.</summary>
    public bool DecodesTo(int id, ReadOnlySpan<byte> bytes) => Compare(id, bytes) == 0;

    /// <summary>
    /// 0 when <paramref name="bytes"/> decodes as <paramref name="id"/> does (see <see cref="DecodesTo"/>), 1 when its
    /// text is longer than the token's (or the token has none), -1 otherwise.
    /// </summary>
    public int Compare(int id, ReadOnlySpan<byte> bytes)
    {
        var text = Decoded(id);
        var candidate = Encoding.UTF8.GetString(bytes);
        if (text.Length == 0 || candidate.Length > text.Length)
            return 1;
        return candidate == text ? 0 : -1;
    }

    string Decoded(int id) => decoded.GetOrAdd(id, i => Tokenizer.Decode([i]));
}
