using Azure.Storage.Blobs;
using Azure.Storage.Sas;

namespace NlpMtl.Queue.Tests;

/// <summary>
/// Creates blobs whose names the SDK cannot address (<c>../x.json</c>, <c>/x.json</c>): other tools can, by sending
/// the path un-normalised. Here: a container SAS and an HTTP PUT whose path .NET leaves as written.
/// </summary>
static class RawBlobs
{
    static readonly HttpClient Http = new();

    public static async Task PutAsync(BlobContainerClient container, string name, BinaryData content)
    {
        var sas = container.GenerateSasUri(BlobContainerSasPermissions.All, DateTimeOffset.UtcNow.AddHours(1));
        var uri = new Uri(
            $"{sas.GetLeftPart(UriPartial.Path)}/{name}{sas.Query}",
            new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }
        );
        using var request = new HttpRequestMessage(HttpMethod.Put, uri)
        {
            Content = new ByteArrayContent(content.ToArray()),
        };
        request.Headers.Add("x-ms-blob-type", "BlockBlob");
        request.Headers.Add("x-ms-version", "2021-12-02");
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        Assert.Contains(name, await NamesAsync(container)); // stored under exactly that name
    }

    static async Task<List<string>> NamesAsync(BlobContainerClient container)
    {
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync())
            names.Add(blob.Name);
        return names;
    }
}
