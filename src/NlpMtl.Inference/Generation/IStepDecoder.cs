namespace NlpMtl.Inference.Generation;

/// <summary>
/// A decoder with its key/value cache over a set of rows (documents, or documents × beams): what greedy and beam
/// search drive. The ORT implementation is <see cref="OrtStepDecoder"/>; tests drive the searches with hand-made ones.
/// </summary>
public interface IStepDecoder
{
    int VocabSize { get; }

    /// <summary>Rows currently in the cache.</summary>
    int Rows { get; }

    /// <summary> Appends one token per row and returns the next-token logits, row-major (<see cref="Rows"/> ×
    /// <see cref="VocabSize"/>); the span is valid until the next call on this decoder. </summary>
    ReadOnlySpan<float> Step(ReadOnlySpan<long> tokens);

    /// <summary>
    /// Row i becomes what row <c>rows[i]</c> was: rows may repeat (beams expanded or copied) or disappear (finished
    /// documents), so finished work stops costing compute.
    /// </summary>
    void Select(ReadOnlySpan<int> rows);
}
