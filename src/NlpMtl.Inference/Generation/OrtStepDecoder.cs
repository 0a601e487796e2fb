using Microsoft.ML.OnnxRuntime;
using NlpMtl.Core.Bundle;
using NlpMtl.Inference.Sessions;

namespace NlpMtl.Inference.Generation;

/// <summary>
/// A head's step graph driven one token at a time with its caches kept in ORT memory: the cross-attention keys/values
/// computed once by the cross graph, and the self-attention keys/values, whose present outputs are fed back as the
/// next step's past without a copy. Rows are selected (beams, finished documents) by copying cache rows. The cross
/// keys/values keep one row per document, shared by its beams (the step graph reads rows as documents × beams); they
/// are copied only when documents leave, never when beams are expanded or reordered.
/// </summary>
public sealed class OrtStepDecoder : IStepDecoder, IDisposable
{
    readonly DecoderHead head;
    readonly int encoderLength;
    OrtValue[] cross; // per layer key, value: (rows, heads, S, head_dim)
    OrtValue[] past; // per layer key, value: (rows, heads, past, head_dim)
    long[] mask; // (rows, S)
    long[]? sourceIds; // (rows, S), a copying head's encoder input ids
    int[] documentOfRow; // which starting row each row descends from; the cross rows hold DocumentGroups of it
    OrtValue? logits;

    /// <param name="encoderStates">(rows, S, H) encoder states; the cross graph runs on them here, once.</param>
    /// <param name="encoderMask">(rows, S) attention mask, row-major.</param>
    /// <param name="encoderInputIds">(rows, S) source ids, row-major: required by a copying head.</param>
    public OrtStepDecoder(DecoderHead head, OrtValue encoderStates, long[] encoderMask, long[]? encoderInputIds = null)
    {
        if (head.Manifest.Copy && encoderInputIds is null)
            throw new ArgumentException(
                $"{head.Task} copies from the source: its input ids are needed",
                nameof(encoderInputIds)
            );
        sourceIds = head.Manifest.Copy ? encoderInputIds : null;
        this.head = head;
        var shape = encoderStates.GetTensorTypeAndShape().Shape;
        Rows = (int)shape[0];
        encoderLength = (int)shape[1];
        mask = encoderMask;
        documentOfRow = Enumerable.Range(0, Rows).ToArray();
        // Not disposed as a collection: each value is owned (and disposed) by this decoder.
        cross = [.. head.Cross.Run([BundleNames.EncoderHiddenStates], [encoderStates], head.Names.Cross)];
        var m = head.Manifest;
        // past length 0
        past = head.Names.Past.Select(_ => OrtTensors.Allocate(Rows, m.NumHeads, 0, m.HeadDim)).ToArray();
    }

    public int VocabSize => head.Manifest.VocabSize;
    public int Rows { get; private set; }

    public ReadOnlySpan<float> Step(ReadOnlySpan<long> tokens)
    {
        if (tokens.Length != Rows)
            throw new ArgumentException($"{tokens.Length} tokens for {Rows} rows", nameof(tokens));
        logits?.Dispose();
        logits = null;
        using var ids = OrtValue.CreateTensorValueFromMemory(tokens.ToArray(), [Rows, 1]);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, [Rows, encoderLength]);
        using var sourceValue = sourceIds is null
            ? null
            : OrtValue.CreateTensorValueFromMemory(sourceIds, [Rows, encoderLength]);
        var outputs = head.Step.Run(
            head.Names.StepInputs,
            [ids, maskValue, .. past, .. cross, .. sourceValue is null ? Array.Empty<OrtValue>() : [sourceValue]],
            head.Names.StepOutputs
        );
        // The collection is not disposed: its values live on as the logits and the next past, each disposed in turn.
        logits = outputs[0];
        foreach (var value in past)
            value.Dispose();
        past = outputs.Skip(1).ToArray();
        var shape = logits.GetTensorTypeAndShape().Shape; // (rows, 1, V)
        if (shape[^1] != VocabSize)
            throw new InvalidDataException(
                $"{head.Step.Path}: logits have {shape[^1]} columns but the manifest's {head.Task}.vocab_size is "
                    + $"{VocabSize}"
            );
        return logits.GetTensorDataAsSpan<float>();
    }

    public void Select(ReadOnlySpan<int> rows)
    {
        var documents = new int[rows.Length];
        for (var i = 0; i < rows.Length; i++)
            documents[i] = documentOfRow[rows[i]];
        past = Replace(past, rows);
        // Beams expanded or reordered within their documents keep the same cross rows: only move them when documents
        // do.
        if (!documents.AsSpan().SequenceEqual(documentOfRow))
        {
            mask = SelectRows(mask, rows);
            if (sourceIds is not null)
                sourceIds = SelectRows(sourceIds, rows);
            var (held, wanted) = (DocumentGroups(documentOfRow), DocumentGroups(documents));
            if (!wanted.AsSpan().SequenceEqual(held))
                cross = Replace(cross, wanted.Select(d => Array.IndexOf(held, d)).ToArray());
        }
        documentOfRow = documents;
        Rows = rows.Length;
    }

    /// <summary>
    /// The cross rows for these row documents: one per run of equal documents when every run has the same length (the
    /// step graph's documents × beams), else one per row (groups of one beam: a repeated document gets a copy).
    /// </summary>
    internal static int[] DocumentGroups(int[] documents)
    {
        int[] groups = [.. documents.Where((d, i) => i == 0 || d != documents[i - 1])]; // one entry per run
        if (groups.Length == 0 || documents.Length % groups.Length != 0)
            return documents;
        var beams = documents.Length / groups.Length;
        for (var i = 0; i < documents.Length; i++)
            if (documents[i] != groups[i / beams])
                return documents; // runs of unequal length
        return groups;
    }

    long[] SelectRows(long[] values, ReadOnlySpan<int> rows)
    {
        var selected = new long[rows.Length * encoderLength];
        for (var i = 0; i < rows.Length; i++)
            values.AsSpan(rows[i] * encoderLength, encoderLength).CopyTo(selected.AsSpan(i * encoderLength));
        return selected;
    }

    static OrtValue[] Replace(OrtValue[] values, ReadOnlySpan<int> rows)
    {
        var result = new OrtValue[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = OrtTensors.GatherRows(values[i], rows);
            values[i].Dispose();
        }
        return result;
    }

    public void Dispose()
    {
        logits?.Dispose();
        foreach (var value in past)
            value.Dispose();
        foreach (var value in cross)
            value.Dispose();
    }
}
