using NlpMtl.Core.Data;

namespace NlpMtl.Inference;

/// <summary>A document to run: its id, its text and the tasks requested for it (each encoded once, shared by
/// all).</summary>
public sealed record DocumentRequest(string Id, string Text, IReadOnlyList<string> Tasks);

/// <summary>One document after tokenisation: the encoder ids ([CLS] … [SEP]) after the truncation policy.</summary>
public sealed record EncodedDocument(DocumentRequest Request, int[] InputIds)
{
    public int Tokens => InputIds.Length;

    /// <summary>Whether the text was longer than the limit and lost its tail.</summary>
    public bool Truncated { get; init; }
}

/// <summary>The engine's answer for one document: one prediction per requested task, in the order requested.</summary>
public sealed record DocumentResult(string Id, IReadOnlyList<TaskPrediction> Predictions);
