namespace NlpMtl.Queue;

/// <summary>
/// Blob counts of the three containers; <see cref="Leased"/> of the inbox jobs are being worked on, and
/// <see cref="Quarantined"/> of them have names no request can address (a poison record each; they stay in the inbox).
/// </summary>
public sealed record QueueCounts(int Inbox, int Leased, int Results, int Poison, int Quarantined = 0);
