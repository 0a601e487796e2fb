using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using NlpMtl.Core.DataSets;
using NlpMtl.Core.Downloads;
using NlpMtl.TestSupport;

namespace NlpMtl.Core.Tests.DataSets;

/// <summary>
/// <c>data get</c> against a local mirror: the real conversions run on small archives written here, with the catalog's
/// URLs and the checksums of these archives (the real ones hash the real files).
/// </summary>
[Trait("Category", "Integration")]
public sealed class DataSetClientTests : IDisposable
{
    readonly string root = Scratch.CreateDirectory("nlpmtl-data-").FullName;
    readonly Dictionary<string, byte[]> files = new(StringComparer.Ordinal); // mirror path → content
    readonly LocalHttpServer server;
    (string Path, int Bytes)? cutOnce;

    public DataSetClientTests() => server = new LocalHttpServer(ServeAsync);

    public void Dispose()
    {
        server.Dispose();
        Directory.Delete(root, recursive: true);
    }

    async Task ServeAsync(HttpListenerContext context)
    {
        var path = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath);
        if (!files.TryGetValue(path, out var data))
        {
            context.Response.StatusCode = 404;
            return;
        }
        int? cut = null;
        lock (files)
        {
            if (cutOnce is { } c && c.Path == path)
            {
                cut = c.Bytes;
                cutOnce = null;
            }
        }
        await LocalHttpServer.WriteBytesAsync(context, data, cut);
    }

    DataSetClient Client() =>
        new(
            new DataSetClientOptions
            {
                Mirror = server.BaseUri,
                MaxAttempts = 3,
                RetryDelay = TimeSpan.FromMilliseconds(10),
            }
        );

    string DataRoot => Path.Combine(root, "data");

    /// <summary>The catalog's set with its sources served from the mirror with these contents and their
    /// SHA-256.</summary>
    PublicDataSet Serve(PublicDataSet set, params byte[][] contents)
    {
        var sources = set
            .Sources.Select(
                (source, i) =>
                {
                    files["/" + source.Url.Host + source.Url.AbsolutePath] = contents[i];
                    return source with
                    {
                        Checksum = Checksum.Sha256(Convert.ToHexStringLower(SHA256.HashData(contents[i]))),
                        Size = contents[i].Length,
                    };
                }
            )
            .ToList();
        return set with { Sources = sources, Outputs = [.. set.Outputs.Select(o => o with { Sha256 = null })] };
    }

    static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    static byte[] Zip(params (string Name, string Text)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, text) in entries)
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(Utf8(text));
            }
        return buffer.ToArray();
    }

    static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(data);
        return buffer.ToArray();
    }

    static byte[] TarGz(params (string Name, string Text)[] entries)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
            foreach (var (name, text) in entries)
                writer.WriteEntry(
                    new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Utf8(text)) }
                );
        return Gzip(tar.ToArray());
    }

    [Fact]
    public async Task ImdbTarballBecomesInterleavedTsv()
    {
        var set = Serve(
            PublicDataSets.Imdb,
            TarGz(
                ("aclImdb/README", "about"),
                ("aclImdb/train/neg/0_3.txt", "Dull.<br /><br />Very dull.\n"),
                ("aclImdb/train/pos/1_9.txt", "Great \t fun\u0085\u0085 really\u00a0great."),
                ("aclImdb/train/pos/0_10.txt", "Loved it."),
                ("aclImdb/train/neg/1_1.txt", "Awful."),
                ("aclImdb/test/pos/0_8.txt", "not training data"),
                ("aclImdb/train/unsup/0_0.txt", "no label")
            )
        );

        var directory = await Client().GetAsync(set, DataRoot);

        Assert.Equal(Path.Combine(DataRoot, "imdb"), directory);
        Assert.Equal(
            "sentence\tlabel\nLoved it.\t1\nDull. Very dull.\t0\nGreat fun really\u00a0great.\t1\nAwful.\t0\n",
            File.ReadAllText(Path.Combine(directory, "train.tsv"))
        );
        Assert.False(Directory.Exists(Path.Combine(DataRoot, ".downloads")));
    }

    [Fact]
    public async Task Sst2IsSplitTheSameWayEveryTime()
    {
        var rows = Enumerable.Range(0, 50).Select(i => $"phrase {i} \t{i % 2}").ToList();
        var set = Serve(
            PublicDataSets.Sst2,
            Zip(
                ("SST-2/train.tsv", "sentence\tlabel\n" + string.Join("\n", rows) + "\n"),
                ("SST-2/dev.tsv", "sentence\tlabel\nwhole sentence . \t1\n"),
                ("SST-2/test.tsv", "index\tsentence\n0\tunlabelled\n")
            )
        );

        var directory = await Client().GetAsync(set, DataRoot);
        var train = File.ReadAllLines(Path.Combine(directory, "train.tsv"));
        var validation = File.ReadAllLines(Path.Combine(directory, "validation.tsv"));
        var again = await Client().GetAsync(set, Path.Combine(root, "again"));

        Assert.Equal("sentence\tlabel", train[0]);
        Assert.Equal("sentence\tlabel", validation[0]);
        Assert.Equal(45, train.Length - 1);
        Assert.Equal(5, validation.Length - 1);
        Assert.Equal(rows.Order(), train[1..].Concat(validation[1..]).Order());
        Assert.Equal(rows.Where(r => validation.Contains(r)), validation[1..]); // original order kept
        Assert.Equal(validation, File.ReadAllLines(Path.Combine(again, "validation.tsv")));
        Assert.Equal(
            "sentence\tlabel\nwhole sentence . \t1\n",
            File.ReadAllText(Path.Combine(directory, "glue_dev.tsv"))
        );
    }

    [Fact]
    public async Task TatoebaArchiveBecomesAlignedFiles()
    {
        var set = Serve(
            PublicDataSets.Tatoeba,
            Zip(
                ("_about.txt", "about"),
                (
                    "deu.txt",
                    "Hi.\tHallo!\nRun!\tLauf!\tCC-BY 2.0 (France) Attribution: tatoeba.org\nI'm 19.\tIch bin 19.\n"
                )
            )
        );

        var directory = await Client().GetAsync(set, DataRoot);

        Assert.Equal("Hi.\nRun!\nI'm 19.\n", File.ReadAllText(Path.Combine(directory, "train.en")));
        Assert.Equal("Hallo!\nLauf!\nIch bin 19.\n", File.ReadAllText(Path.Combine(directory, "train.de")));
    }

    [Fact]
    public async Task PlainAndGzippedSourcesAreLaidOutAsTheConfigsReadThem()
    {
        var newstest = Serve(PublicDataSets.Newstest, Utf8("a\n"), Utf8("b\n"), Utf8("c\n"), Utf8("d\n"));
        var multi30k = Serve(
            PublicDataSets.Multi30kEnDe,
            Gzip(Utf8("A dog.\n")),
            Gzip(Utf8("Ein Hund.\n")),
            Gzip(Utf8("A cat.\n")),
            Gzip(Utf8("Eine Katze.\n"))
        );

        var news = await Client().GetAsync(newstest, DataRoot);
        var captions = await Client().GetAsync(multi30k, DataRoot);

        Assert.Equal("b\n", File.ReadAllText(Path.Combine(news, "newstest2012.de")));
        Assert.Equal("d\n", File.ReadAllText(Path.Combine(news, "newstest2013.de")));
        Assert.Equal("Ein Hund.\n", File.ReadAllText(Path.Combine(captions, "train.de")));
        Assert.Equal("A cat.\n", File.ReadAllText(Path.Combine(captions, "val.en")));
    }

    [Fact]
    public async Task BadChecksumNamesTheSourceAndLeavesNoDataSet()
    {
        var set = Serve(PublicDataSets.Tatoeba, Zip(("deu.txt", "Hi.\tHallo!\n")));
        var expected = set.Sources[0].Checksum.Hex;
        files.Keys.ToList().ForEach(k => files[k] = Zip(("deu.txt", "Hi.\tTschüss!\n")));
        set = set with { Sources = [set.Sources[0] with { Size = null }] };

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Client().GetAsync(set, DataRoot));

        Assert.Contains("tatoeba/deu-eng.zip: sha256 mismatch", error.Message);
        Assert.Contains($"expected {expected}", error.Message);
        Assert.Contains($"got {Convert.ToHexStringLower(SHA256.HashData(files.Values.Single()))}", error.Message);
        Assert.False(Directory.Exists(Path.Combine(DataRoot, "tatoeba")));
        Assert.Empty(Directory.GetFiles(DataRoot, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task WrongOutputKeepsThePreviousCompleteSet()
    {
        var set = Serve(PublicDataSets.Tatoeba, Zip(("deu.txt", "Hi.\tHallo!\n")));
        await Client().GetAsync(set, DataRoot);
        var pinned = set with
        {
            Outputs = [new DataOutput("train.en", new string('0', 64)), new DataOutput("train.de")],
        };

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Client().GetAsync(pinned, DataRoot));

        Assert.Contains("tatoeba/train.en: sha256 mismatch after conversion", error.Message);
        Assert.Equal("Hi.\n", File.ReadAllText(Path.Combine(DataRoot, "tatoeba", "train.en")));
        Assert.Equal(
            ["tatoeba"],
            Directory.GetDirectories(DataRoot).Select(Path.GetFileName).Where(n => !n!.StartsWith('.'))
        );
        Assert.DoesNotContain(Directory.GetDirectories(DataRoot), d => d.Contains(".partial-"));
    }

    [Fact]
    public async Task CutConnectionIsResumed()
    {
        var content = new byte[200_000];
        new Random(3).NextBytes(content);
        var set = Serve(PublicDataSets.Newstest, content, Utf8("b\n"), Utf8("c\n"), Utf8("d\n"));
        var path = "/" + set.Sources[0].Url.Host + set.Sources[0].Url.AbsolutePath;
        cutOnce = (path, 70_000);
        var progress = new List<DownloadProgress>();

        var directory = await Client().GetAsync(set, DataRoot, new Recorder(progress));

        Assert.Equal(content, File.ReadAllBytes(Path.Combine(directory, "newstest2012.en")));
        var gets = server.Requests.Where(r => r.Path == path).ToList();
        Assert.Equal([null, "bytes=70000-"], gets.Select(r => r.Range));
        Assert.Contains(progress, p => p.Done && p.Name == "newstest/newstest2012.en" && p.Received == content.Length);
    }

    sealed class Recorder(List<DownloadProgress> list) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value)
        {
            lock (list)
                list.Add(value);
        }
    }

    [Fact]
    public void CatalogHasEverySetTheRecipeUsesWithPinnedChecksums()
    {
        Assert.Equal(
            ["sst2", "imdb", "scitldr", "multi30k", "tatoeba", "newstest"],
            PublicDataSets.All.Select(s => s.Name)
        );
        Assert.All(PublicDataSets.All.SelectMany(s => s.Sources), source =>
        {
            Assert.Equal("https", source.Url.Scheme);
            Assert.Matches(
                source.Checksum.Algorithm == "md5" ? "^[0-9a-f]{32}$" : "^[0-9a-f]{64}$",
                source.Checksum.Hex
            );
        });
        // GitHub sources are pinned to a commit, never a branch
        Assert.All(
            PublicDataSets.All.SelectMany(s => s.Sources).Where(s => s.Url.Host == "raw.githubusercontent.com"),
            source => Assert.Matches("^/[^/]+/[^/]+/[0-9a-f]{40}/", source.Url.AbsolutePath)
        );
        Assert.Equal(
            new Uri("http://mirror.test/x/ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"),
            new DataSetClient(new DataSetClientOptions { Mirror = new Uri("http://mirror.test/x/") }).SourceUrl(
                PublicDataSets.Imdb.Sources[0]
            )
        );
        Assert.Throws<ArgumentException>(() => PublicDataSets.Find("wikitext"));
    }

    [Fact]
    public void ChecksumsHashAsTheirToolsDo()
    {
        var path = Path.Combine(root, "hello.txt");
        File.WriteAllText(path, "hello\n");
        Assert.Equal(
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
            new Checksum("sha256", "").Compute(path)
        ); // sha256sum
        Assert.Equal("b1946ac92492d2347c6235b4d2611184", new Checksum("md5", "").Compute(path)); // md5sum
        // git hash-object
        Assert.Equal("ce013625030ba8dba906f756967f9e9ca394464a", new Checksum("git-sha1", "").Compute(path));
    }
}
