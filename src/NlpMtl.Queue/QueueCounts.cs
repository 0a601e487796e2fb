namespace NlpMtl.Queue;

/// <summary>Blob counts of the three containers; <see cref="Leased"/> of the inbox jobs are being worked on.</summary>
public sealed record QueueCounts(int Inbox, int Leased, int Results, int Poison);
