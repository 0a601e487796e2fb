using System.Text;
using System.Text.Json;
using NlpMtl.Core.Data;

namespace NlpMtl.Core.Tests.Data;

/// <summary>The one output line shared by <c>predict</c> and queue result blobs.</summary>
public class TaskPredictionTests
{
    [Fact]
    public void LinesKeepTheDocumentedOrderRoundTheScoreAndReadBack()
    {
        var sentiment = new TaskPrediction("d1", "sentiment") { Label = "positive", Score = 0.123456789 };
        var translation = new TaskPrediction("d2", "translate") { Translation = "Größe „Straße“ – ÄÖÜ" };
        Assert.Equal("{\"id\":\"d1\",\"task\":\"sentiment\",\"label\":\"positive\",\"score\":0.123457}", sentiment.ToJson());
        Assert.Equal("{\"id\":\"d2\",\"task\":\"translate\",\"translation\":\"Größe „Straße“ – ÄÖÜ\"}", translation.ToJson()); // readable UTF-8

        using var stream = new MemoryStream();
        translation.WriteJson(stream);
        Assert.Equal(translation.ToJson(), Encoding.UTF8.GetString(stream.ToArray()));
        Assert.Equal(sentiment with { Score = 0.123457 }, JsonSerializer.Deserialize<TaskPrediction>(sentiment.ToJson()));
        Assert.Equal(translation, JsonSerializer.Deserialize<TaskPrediction>(translation.ToJson()));
    }
}
