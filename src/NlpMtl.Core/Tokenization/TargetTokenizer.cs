using System.Runtime.InteropServices;
using System.Text;

namespace NlpMtl.Core.Tokenization;

/// <summary>
/// The translation decoder's vocabulary: a byte-level BPE from Microsoft.ML.Tokenizers (a tiktoken encoding) trimmed
/// to the tokens its training targets use, so the output layer has thousands of rows rather than 200k, with all 256
/// bytes as fallback so any text encodes and decodes losslessly. Ids: <see cref="PadId"/>, <see cref="BosId"/>,
/// <see cref="EosId"/>, then byte b at <see cref="FirstByteId"/> + b, then the kept base tokens, most frequent first.
/// </summary>
public sealed class TargetTokenizer : IDecoderVocabulary
{
    public const int PadId = 0,
        BosId = 1,
        EosId = 2;
    public const int FirstByteId = 3;
    public const int FirstTokenId = FirstByteId + 256;

    readonly TiktokenBase baseEncoding;
    readonly int[] keptBaseIds;
    readonly byte[][] keptBytes;
    readonly Dictionary<int, int> idByBaseId;

    // Kept tokens by their bytes, one char per byte (Latin-1), to spell text whose base tokens were not kept.
    readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> idByBytes;
    readonly int longestKept;

    TargetTokenizer(
        TiktokenBase baseEncoding,
        TargetTokenizerOptions options,
        IReadOnlyList<(int Id, byte[] Bytes)> kept
    )
    {
        this.baseEncoding = baseEncoding;
        Options = options;
        keptBaseIds = kept.Select(k => k.Id).ToArray();
        keptBytes = kept.Select(k => k.Bytes).ToArray();
        idByBaseId = new Dictionary<int, int>(kept.Count);
        var byBytes = new Dictionary<string, int>(kept.Count, StringComparer.Ordinal);
        for (var i = 0; i < kept.Count; i++)
        {
            idByBaseId.Add(kept[i].Id, FirstTokenId + i);
            byBytes.Add(Encoding.Latin1.GetString(kept[i].Bytes), FirstTokenId + i);
            longestKept = Math.Max(longestKept, kept[i].Bytes.Length);
        }
        idByBytes = byBytes.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public TargetTokenizerOptions Options { get; }
    public string BaseEncoding => Options.BaseEncoding;
    public int VocabSize => FirstTokenId + keptBaseIds.Length;

    /// <summary>Base-encoding ids of the kept tokens: token <c>FirstTokenId + i</c> is base id
    /// <c>KeptBaseIds[i]</c>.</summary>
    public IReadOnlyList<int> KeptBaseIds => keptBaseIds;

    /// <summary> Keeps the base tokens that <paramref name="trainingTargets"/> use at least
    /// <see cref="TargetTokenizerOptions.MinCount"/> times, most frequent first (ties by base id, so a build repeats
    /// exactly). </summary>
    public static TargetTokenizer Build(IEnumerable<string> trainingTargets, TargetTokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trainingTargets);
        options ??= new TargetTokenizerOptions();
        if (options.MinCount < 1)
            throw new ArgumentOutOfRangeException(
                nameof(options),
                $"MinCount must be at least 1, was {options.MinCount}"
            );
        var baseEncoding = TiktokenBase.Get(options.BaseEncoding);
        return new TargetTokenizer(
            baseEncoding,
            options,
            TargetVocabularyBuilder.KeptTokens(baseEncoding, trainingTargets, options.MinCount)
        );
    }

    /// <summary>Reads what <see cref="Save"/> wrote; fails naming the file when it is missing or malformed.</summary>
    public static TargetTokenizer Load(string directory)
    {
        var (options, kept) = TargetTokenizerFiles.Read(directory);
        return new TargetTokenizer(TiktokenBase.Get(options.BaseEncoding), options, kept);
    }

    /// <summary>Writes <see cref="TargetTokenizerFiles.ConfigFile"/> and
    /// <see cref="TargetTokenizerFiles.KeptTokensFile"/>.</summary>
    public void Save(string directory) =>
        TargetTokenizerFiles.Write(directory, Options, keptBaseIds.Zip(keptBytes).ToList());

    /// <summary> Builds from <paramref name="trainingTargetsFiles"/> (one target a line, all files counted together),
    /// writes it to <paramref name="directory"/> and measures the saved copy on the same lines: what regenerates the
    /// tokenizers/ folders (<c>nlpmtl target-tokenizer</c>). </summary>
    public static TargetTokenizerStatistics BuildAndSave(
        IReadOnlyList<string> trainingTargetsFiles,
        string directory,
        TargetTokenizerOptions? options = null
    )
    {
        if (trainingTargetsFiles.Count == 0)
            throw new ArgumentException("no training targets file given", nameof(trainingTargetsFiles));
        foreach (var file in trainingTargetsFiles)
            if (!File.Exists(file))
                throw new FileNotFoundException($"{file}: training targets not found", file);
        IEnumerable<string> Lines() => trainingTargetsFiles.SelectMany(File.ReadLines);
        Build(Lines(), options).Save(directory);
        return TargetTokenizerStatistics.Measure(Load(directory), Lines());
    }

    /// <summary>Token ids without BOS/EOS. Never fails: text whose base tokens were not kept is spelt with kept tokens
    /// and bytes.</summary>
    int IDecoderVocabulary.PadId => PadId;
    int IDecoderVocabulary.BosId => BosId;
    int IDecoderVocabulary.EosId => EosId;

    /// <summary>BOS, the text's ids (cut to fit), EOS: a decoder training target.</summary>
    public int[] EncodeTarget(string text, int maxLength)
    {
        if (maxLength < 2)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "must leave room for BOS and EOS");
        var ids = Encode(text);
        return [BosId, .. ids.Take(maxLength - 2), EosId];
    }

    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 1);
        foreach (var piece in baseEncoding.Pieces(text))
        {
            var baseIds = baseEncoding.EncodePiece(piece);
            var bytes = Encoding.UTF8.GetBytes(piece);
            // Tokens of unknown bytes (partial characters, not kept) are replaced by the piece's own bytes between
            // its known ends, so no token's bytes are ever guessed.
            var a = PieceAlignment.Of(baseIds, bytes, KnownBytes);
            for (var i = 0; i < a.Left; i++)
                Emit(baseIds[i], ids);
            Spell(bytes.AsSpan(a.Start, a.End - a.Start), ids);
            for (var i = a.Right; i < baseIds.Count; i++)
                Emit(baseIds[i], ids);
        }
        return ids;
    }

    /// <summary> Text of <paramref name="ids"/>: Pad/Bos/Eos are skipped (nothing stops decoding), the bytes of the
    /// rest are joined and read as UTF-8, with U+FFFD for invalid sequences. An id outside the vocabulary is a caller's
    /// bug and throws. </summary>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (var id in ids)
            bytes.AddRange(BytesOf(id));
        // Encoding.UTF8 replaces invalid sequences with U+FFFD rather than throwing.
        return Encoding.UTF8.GetString(CollectionsMarshal.AsSpan(bytes));
    }

    /// <summary>The bytes token <paramref name="id"/> stands for (none for Pad/Bos/Eos).</summary>
    public ReadOnlySpan<byte> BytesOf(int id) =>
        id switch
        {
            PadId or BosId or EosId => [],
            >= FirstByteId and < FirstTokenId => [(byte)(id - FirstByteId)],
            _ when id >= FirstTokenId && id < VocabSize => keptBytes[id - FirstTokenId],
            _ => throw new ArgumentOutOfRangeException(
                nameof(id),
                id,
                $"token id outside the vocabulary [0, {VocabSize})"
            ),
        };

    byte[]? KnownBytes(int baseId) =>
        idByBaseId.TryGetValue(baseId, out var id) ? keptBytes[id - FirstTokenId] : baseEncoding.CleanBytes(baseId);

    void Emit(int baseId, List<int> ids)
    {
        if (idByBaseId.TryGetValue(baseId, out var id))
            ids.Add(id);
        else
            Spell(baseEncoding.CleanBytes(baseId), ids);
    }

    /// <summary>Greedy longest match over the kept tokens, then single bytes: lossless, and shorter than bytes
    /// alone.</summary>
    void Spell(ReadOnlySpan<byte> bytes, List<int> ids)
    {
        var chars = Encoding.Latin1.GetString(bytes).AsSpan();
        for (var i = 0; i < chars.Length; )
        {
            var matched = 0;
            for (var length = Math.Min(longestKept, chars.Length - i); length >= 2 && matched == 0; length--)
            {
                if (idByBytes.TryGetValue(chars.Slice(i, length), out var id))
                {
                    ids.Add(id);
                    matched = length;
                }
            }
            if (matched == 0)
            {
                ids.Add(FirstByteId + bytes[i]);
                matched = 1;
            }
            i += matched;
        }
    }
}
