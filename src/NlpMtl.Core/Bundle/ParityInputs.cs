using NlpMtl.Core.Tokenization;

namespace NlpMtl.Core.Bundle;

/// <summary>
/// The inputs export measures parity on: a fixed sentence list (English and German, one word to a paragraph) plus
/// longer inputs made by joining them, tokenised with the checkpoint's own tokenizer and grouped into padded batches
/// whose rows differ in length, so masking and padding are exercised. Deterministic: the same checkpoint always gets
/// the same inputs.
/// </summary>
public static class ParityInputs
{
    /// <summary>The single sentences; tests that compare encoders use them too.</summary>
    public static readonly IReadOnlyList<string> Sentences =
    [
        "Hi.",
        "The cat sat on the mat.",
        "A remarkably thoughtful, funny and moving film about growing up in a small town.",
        "Ein Mann fährt Fahrrad.",
        "Transformers use self-attention to relate every token of a sequence to every other token, which lets "
            + "them model long-range dependencies without recurrence.",
        "ok",
        "What's the weather like in Zürich today?",
        "Numbers 3.14159 and 2,718 — plus symbols € $ % & ©!",
        "This sentence is somewhat longer than most of the others but shorter than the longest one in the batch.",
        "unaffable xylophonist",
        "An utterly tedious two hours.",
        "I loved every minute of it, and so did my kids.",
        "The plot, such as it is, meanders from one unconvincing set piece to the next.",
        "Brilliant!",
        "Neither the acting nor the script rises above the level of a mediocre television movie of the week.",
        "Zwei Kinder spielen im Park, während ihre Eltern auf einer Bank sitzen und Zeitung lesen.",
        "We propose to recompute activations during the backward pass instead of storing them.",
        "It's fine.",
    ];

    /// <summary>Sentences plus <paramref name="long"/> joined paragraphs, in a fixed order.</summary>
    public static IReadOnlyList<string> Texts(int @long = 4)
    {
        var texts = new List<string>(Sentences);
        for (var i = 0; i < @long; i++) // paragraphs of 3, 5, 7… sentences: lengths well past the single sentences
            texts.Add(
                string.Join(
                    ' ',
                    Enumerable.Range(0, 3 + 2 * i).Select(k => Sentences[(i * 5 + k * 3) % Sentences.Count])
                )
            );
        return texts;
    }

    /// <summary>The texts tokenised and padded in batches of <paramref name="batchSize"/>, in text order.</summary>
    public static IReadOnlyList<EncodedBatch> Batches(BertInputTokenizer tokenizer, int batchSize = 6) =>
        Texts().Chunk(batchSize).Select(chunk => tokenizer.EncodeBatch(chunk)).ToList();
}
