namespace NlpMtl.Queue;

/// <summary>One document of a job: its id, text and the tasks to run on it.</summary>
public sealed record JobDocument(string Id, string Text, IReadOnlyList<string> Tasks);
