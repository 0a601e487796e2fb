using System.Text;
using System.Text.Json;
using NlpMtl.Core.Data;

namespace NlpMtl.Core.Tokenization;

/// <summary>
/// <c>nlpmtl tokenize</c>: what the encoder sees of each document, one JSON object per input in input order —
/// <c>{"id", "ids", "tokens"}</c> with [CLS]/[SEP] and nothing truncated. Written to <c>OUTPUT.partial</c> and
/// renamed when complete, so a failed run never leaves a half file under the output's name.
/// </summary>
public static class TokenizationFile
{
    public static int Run(
        BertInputTokenizer tokenizer,
        string inputPath,
        string outputPath,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var full = Path.GetFullPath(outputPath);
        if (Directory.Exists(full))
            throw new IOException($"{full}: the output is a folder; give a file name");
        var documents = DocumentReader.Read(inputPath).ToList(); // a bad input fails here, naming file, line and field
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var partial = $"{full}.partial";
        try
        {
            using (var stream = File.Create(partial))
            using (
                var json = new Utf8JsonWriter(
                    stream,
                    new JsonWriterOptions
                    {
                        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                    }
                )
            )
            {
                foreach (var document in documents)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var ids = tokenizer.EncodeWhole(document.Text);
                    json.WriteStartObject();
                    json.WriteString("id", document.Id);
                    json.WriteStartArray("ids");
                    foreach (var id in ids)
                        json.WriteNumberValue(id);
                    json.WriteEndArray();
                    json.WriteStartArray("tokens");
                    foreach (var id in ids)
                        json.WriteStringValue(tokenizer.Tokens[id]);
                    json.WriteEndArray();
                    json.WriteEndObject();
                    json.Flush();
                    stream.WriteByte((byte)'\n');
                    json.Reset();
                }
            }
            File.Move(partial, full, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
        return documents.Count;
    }
}
