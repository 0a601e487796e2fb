using NlpMtl.Core.Downloads;

namespace NlpMtl.Core.DataSets;

/// <summary>A file a data set is built from: its canonical URL, the name it is saved under, and what it must hash
/// to.</summary>
public sealed record DataSource(string FileName, Uri Url, Checksum Checksum, long? Size = null);

/// <summary>A file a data set writes, with its SHA-256 where the conversion is known to reproduce it byte for
/// byte.</summary>
public sealed record DataOutput(string FileName, string? Sha256 = null);

/// <summary> A public data set the recipe uses: where it comes from, and how its sources become the files the configs
/// read (<c>NAME/…</c> under a data root). <see cref="Build"/> reads the verified sources and writes the outputs into a
/// folder. </summary>
public sealed record PublicDataSet(
    string Name,
    string Summary,
    string Licence,
    IReadOnlyList<DataSource> Sources,
    IReadOnlyList<DataOutput> Outputs,
    Action<IReadOnlyDictionary<string, string>, string> Build
);
