using System.Text;
using NlpMtl.Worker.Commands;

namespace NlpMtl.Queue.Tests;

public sealed class QueueNamesTests
{
    [Theory]
    [InlineData("a.json", "a~0123456789ab.json")]
    [InlineData("dir.v2/notes.txt", "dir.v2/notes~0123456789ab.txt")]
    [InlineData("dir.v2/README", "dir.v2/README~0123456789ab")]
    [InlineData(".env", ".env~0123456789ab")]
    public void VersionedNamesKeepTheExtensionTheParserReads(string job, string expected) =>
        Assert.Equal(expected, QueueNames.Versioned(job, "0123456789abcdef0123"));

    [Fact]
    public void DerivedNamesNeverPassTheLimitAndLongNamesSharingAPrefixStayApart()
    {
        var a = new string('x', 1020) + "-a.json";
        var b = new string('x', 1020) + "-b.json";
        Assert.All(
            new[]
            {
                QueueNames.ResultOf(a),
                QueueNames.ErrorOf(a),
                QueueNames.PoisonCopyOf(a),
                QueueNames.UnaddressableErrorOf("../" + a),
            },
            n => Assert.True(n.Length <= QueueNames.MaxBlobName, $"{n.Length}")
        );
        Assert.NotEqual(QueueNames.ResultOf(a), QueueNames.ResultOf(b));
        Assert.EndsWith(QueueNames.ResultSuffix, QueueNames.ResultOf(a));
        // the contract's plain name when it fits
        Assert.Equal("short.json.result.jsonl", QueueNames.ResultOf("short.json"));
        Assert.Equal(
            QueueNames.UnaddressableFolder + "__/x.json~",
            QueueNames.UnaddressableErrorOf("../x.json")[..^(16 + QueueNames.ErrorSuffix.Length)]
        );
    }

    [Fact]
    public void EveryBlobNameGetsItsOwnPlainFileName()
    {
        string[] names =
        [
            "dirA/same.json.result.jsonl",
            "dirB/same.json.result.jsonl",
            "dirA%2Fsame.json.result.jsonl",
            "same.json.result.jsonl",
            "../up.result.jsonl",
            "..%2Fup.result.jsonl",
            ".hidden.result.jsonl",
            "a\\b:c*d?.result.jsonl",
            "tab\there.result.jsonl",
            new string('é', 600) + ".result.jsonl",
            new string('é', 600) + "!.result.jsonl",
            "😀" + new string('z', 300) + ".result.jsonl",
        ];
        var local = names.Select(n => ResultDownloader.LocalName(n)).ToList();
        Assert.Equal(names.Length, local.Distinct().Count());
        Assert.All(local, l =>
        {
            Assert.True(Encoding.UTF8.GetByteCount(l) <= 255, l);
            Assert.Equal(l, Path.GetFileName(l));
            Assert.DoesNotContain('/', l);
            Assert.DoesNotContain('\\', l);
            Assert.False(l.StartsWith('.'), l);
            Assert.EndsWith(".result.jsonl", l);
        });
        Assert.Equal("dirA%2Fsame.json.result.jsonl", local[0]);
        Assert.NotEqual(
            ResultDownloader.LocalName("Case.json"),
            ResultDownloader.LocalName("Case.json", forceHash: true)
        );
    }
}
