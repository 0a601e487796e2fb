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
        Assert.Equal(
            "{\"id\":\"d1\",\"task\":\"sentiment\",\"label\":\"positive\",\"score\":0.123457}",
            sentiment.ToJson()
        );
        Assert.Equal(
            "{\"id\":\"d2\",\"task\":\"translate\",\"translation\":\"Größe „Straße“ – ÄÖÜ\"}",
            translation.ToJson()
        ); // readable UTF-8

        using var stream = new MemoryStream();
        translation.WriteJson(stream);
        Assert.Equal(translation.ToJson(), Encoding.UTF8.GetString(stream.ToArray()));
        Assert.Equal(
            sentiment with
            {
                Score = 0.123457,
            },
            JsonSerializer.Deserialize<TaskPrediction>(sentiment.ToJson())
        );
        Assert.Equal(translation, JsonSerializer.Deserialize<TaskPrediction>(translation.ToJson()));
    }

    [Fact]
    public void WhatWasReadFollowsTheAnswerAndReadsBack()
    {
        var summary = new TaskPrediction("d3", "summarize")
        {
            Summary = "we show x.",
            Truncated = false,
            Sentences = 40,
            Selected = [2, 17, 35],
        };
        var sentiment = new TaskPrediction("d3", "sentiment")
        {
            Label = "negative",
            Score = 0.75,
            Truncated = true,
            Windows = 3,
        };
        var translation = new TaskPrediction("d3", "translate")
        {
            Translation = "Ein Hund, 2013.",
            Truncated = false,
            Segments = 1,
            NumbersMissing = ["3"],
            NumbersRestored = [new("1650", "2013")],
        };
        Assert.Equal(
            "{\"id\":\"d3\",\"task\":\"summarize\",\"summary\":\"we show "
                + "x.\",\"truncated\":false,\"sentences\":40,\"selected\":[2,17,35]}",
            summary.ToJson()
        );
        Assert.Equal(
            "{\"id\":\"d3\",\"task\":\"sentiment\",\"label\":\"negative\",\"score\":0.75,"
                + "\"truncated\":true,\"windows\":3}",
            sentiment.ToJson()
        );
        Assert.Equal(
            "{\"id\":\"d3\",\"task\":\"translate\",\"translation\":\"Ein Hund, 2013.\",\"truncated\":false,"
                + "\"segments\":1,\"numbers_missing\":[\"3\"],"
                + "\"numbers_restored\":[{\"number\":\"1650\",\"replaced\":\"2013\"}]}",
            translation.ToJson()
        );
        foreach (var line in new[] { summary, sentiment, translation })
            Assert.Equal(line.ToJson(), JsonSerializer.Deserialize<TaskPrediction>(line.ToJson())!.ToJson());
    }
}
