using NlpMtl.Core.Bundle;
using NlpMtl.TestSupport;

namespace NlpMtl.Core.Tests.Bundle;

public class BundleManifestTests : IDisposable
{
    readonly string directory = Scratch.CreateDirectory("nlpmtl-manifest-").FullName;

    static BundleManifest Manifest(int formatVersion) =>
        new()
        {
            FormatVersion = formatVersion,
            BaseModel = "sentence-transformers/all-MiniLM-L6-v2",
            Encoder = new EncoderManifest { HiddenSize = 384, NumLayers = 6 },
            Sentiment = new SentimentManifest { Labels = ["0", "1"] },
            Parity = new ParityReport { Inputs = 22 },
        };

    [Fact]
    public void ACurrentManifestRoundTrips()
    {
        Manifest(BundleManifest.CurrentFormatVersion).Save(directory);

        var loaded = BundleManifest.Load(directory);

        Assert.Equal(BundleManifest.CurrentFormatVersion, loaded.FormatVersion);
        Assert.Equal(["sentiment"], loaded.Tasks);
        Assert.Equal(384, loaded.Encoder.HiddenSize);
    }

    [Fact]
    public void ABundleOfAnOlderFormatIsRefusedWithWhatToDo()
    {
        // Format 1 step graphs took one cross-attention row per beam; this engine passes one per document.
        Manifest(1).Save(directory);

        var error = Assert.Throws<InvalidDataException>(() => BundleManifest.Load(directory));

        Assert.Contains(
            "manifest.json: format_version 1 is not supported (expected 2): export the checkpoint again",
            error.Message
        );
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
