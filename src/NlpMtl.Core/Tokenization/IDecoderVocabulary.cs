namespace NlpMtl.Core.Tokenization;

/// <summary>The vocabulary a decoder reads and writes: target encoding with BOS/EOS, and decoding back to
/// text.</summary>
public interface IDecoderVocabulary
{
    int VocabSize { get; }
    int PadId { get; }
    int BosId { get; }
    int EosId { get; }

    /// <summary>BOS, the text's ids, EOS — at most <paramref name="maxLength"/> ids in all.</summary>
    int[] EncodeTarget(string text, int maxLength);

    /// <summary>Readable text from generated ids (special ids skipped).</summary>
    string Decode(IEnumerable<int> ids);
}
