using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using NlpMtl.Core.Numerics;

namespace NlpMtl.Core.DataSets;

/// <summary>How sources become the files the recipe reads: copies, gunzip, and the three archive conversions.</summary>
public static partial class DataSetConversions
{
    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Rows of GLUE's SST-2 train.tsv held out as validation.tsv (GLUE's dev set is glue_dev.tsv, as it
    /// is).</summary>
    public const double Sst2ValidationShare = 0.1;
    public const ulong Sst2SplitSeed = 42;

    public static Action<IReadOnlyDictionary<string, string>, string> Copy(
        params (string Source, string Output)[] files
    ) =>
        (sources, directory) =>
        {
            foreach (var (source, output) in files)
                File.Copy(sources[source], Path.Combine(directory, output));
        };

    public static Action<IReadOnlyDictionary<string, string>, string> Gunzip(
        params (string Source, string Output)[] files
    ) =>
        (sources, directory) =>
        {
            foreach (var (source, output) in files)
            {
                using var input = new GZipStream(File.OpenRead(sources[source]), CompressionMode.Decompress);
                using var file = File.Create(Path.Combine(directory, output));
                input.CopyTo(file);
            }
        };

    /// <summary>
    /// GLUE's SST-2.zip → <c>train.tsv</c> and <c>validation.tsv</c> (a seeded 90/10 split of GLUE train, rows in their
    /// original order, header on both) and <c>glue_dev.tsv</c> (GLUE dev, whole sentences: the set to validate on).
    /// </summary>
    public static void Sst2(IReadOnlyDictionary<string, string> sources, string directory)
    {
        using var zip = ZipFile.OpenRead(sources.Values.Single());
        string[] Lines(string name)
        {
            var entry = zip.Entries.FirstOrDefault(e => e.FullName == $"SST-2/{name}")
                ?? throw new InvalidDataException($"{sources.Values.Single()}: no SST-2/{name} in the archive");
            using var reader = new StreamReader(entry.Open(), Utf8);
            return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        var train = Lines("train.tsv");
        var (header, rows) = (train[0], train[1..]);
        var validation = new HashSet<int>(
            Shuffled(rows.Length, Sst2SplitSeed).Take((int)Math.Round(rows.Length * Sst2ValidationShare))
        );
        WriteLines(Path.Combine(directory, "train.tsv"), [header, .. rows.Where((_, i) => !validation.Contains(i))]);
        WriteLines(
            Path.Combine(directory, "validation.tsv"),
            [header, .. rows.Where((_, i) => validation.Contains(i))]
        );
        WriteLines(Path.Combine(directory, "glue_dev.tsv"), Lines("dev.tsv"));
    }

    /// <summary> aclImdb_v1.tar.gz → <c>train.tsv</c> (<c>sentence\tlabel</c>, 1 = positive): the 25,000 train reviews,
    /// positive and negative interleaved by review id, each on one line (<see cref="OneLine"/>). </summary>
    public static void Imdb(IReadOnlyDictionary<string, string> sources, string directory)
    {
        var reviews = new SortedDictionary<int, (string? Positive, string? Negative)>();
        using (var gzip = new GZipStream(File.OpenRead(sources.Values.Single()), CompressionMode.Decompress))
        using (var tar = new TarReader(gzip))
        {
            while (tar.GetNextEntry() is { } entry)
            {
                var parts = entry.Name.Split('/');
                if (
                    entry.DataStream is null
                    || parts.Length != 4
                    || parts[0] != "aclImdb"
                    || parts[1] != "train"
                    || parts[2] is not ("pos" or "neg")
                )
                    continue;
                if (!int.TryParse(parts[3].Split('_')[0], out var id))
                    continue;
                using var reader = new StreamReader(entry.DataStream, Utf8);
                var text = OneLine(reader.ReadToEnd());
                var pair = reviews.GetValueOrDefault(id);
                reviews[id] = parts[2] == "pos" ? (text, pair.Negative) : (pair.Positive, text);
            }
        }
        if (reviews.Count == 0)
            throw new InvalidDataException(
                $"{sources.Values.Single()}: no aclImdb/train/pos or neg reviews in the archive"
            );
        var lines = new List<string> { "sentence\tlabel" };
        foreach (var (positive, negative) in reviews.Values)
        {
            if (positive is not null)
                lines.Add($"{positive}\t1");
            if (negative is not null)
                lines.Add($"{negative}\t0");
        }
        WriteLines(Path.Combine(directory, "train.tsv"), lines);
    }

    /// <summary> A review as one TSV field, the way the recipe's copy was made: <c>&lt;br /&gt;</c> and every line
    /// break (those of Python's splitlines, U+0085 among them, which some reviews use as an ellipsis) become a space,
    /// runs of spaces and tabs one space, and the ends are trimmed. Other characters, U+00A0 included, are kept.
    /// </summary>
    public static string OneLine(string review)
    {
        var text = LineBreaks().Replace(review.Replace("<br />", " ", StringComparison.Ordinal), " ");
        return Blanks().Replace(text, " ").Trim();
    }

    [GeneratedRegex("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")]
    private static partial Regex LineBreaks();

    [GeneratedRegex("[ \t]+")]
    private static partial Regex Blanks();

    /// <summary> ManyThings' deu-eng.zip → aligned <c>train.en</c> / <c>train.de</c> from <c>deu.txt</c> (English, tab,
    /// German; later releases add a third column of attribution, which is dropped). Line i of one file translates line
    /// i of the other. </summary>
    public static void Tatoeba(IReadOnlyDictionary<string, string> sources, string directory)
    {
        using var zip = ZipFile.OpenRead(sources.Values.Single());
        var entry = zip.GetEntry("deu.txt")
            ?? throw new InvalidDataException($"{sources.Values.Single()}: no deu.txt in the archive");
        using var reader = new StreamReader(entry.Open(), Utf8);
        using var english = new StreamWriter(Path.Combine(directory, "train.en"), false, Utf8);
        using var german = new StreamWriter(Path.Combine(directory, "train.de"), false, Utf8);
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            var columns = line.Split('\t');
            if (columns.Length < 2)
                throw new InvalidDataException(
                    $"deu.txt line {number}: expected English<TAB>German, found {columns.Length} column(s)"
                );
            english.Write(columns[0] + "\n");
            german.Write(columns[1] + "\n");
        }
    }

    static void WriteLines(string path, IEnumerable<string> lines)
    {
        using var writer = new StreamWriter(path, false, Utf8);
        foreach (var line in lines)
            writer.Write(line + "\n");
    }

    /// <summary>0…n-1 in a seeded order: the same split on every machine and .NET version.</summary>
    static int[] Shuffled(int n, ulong seed) => new SplitMix64(seed).Permutation(n);
}
