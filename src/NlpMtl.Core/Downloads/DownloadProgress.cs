namespace NlpMtl.Core.Downloads;

/// <summary>Bytes of one file received so far (including bytes resumed from an earlier attempt).</summary>
public readonly record struct DownloadProgress(string Name, long Received, long? Total, bool Done = false);
