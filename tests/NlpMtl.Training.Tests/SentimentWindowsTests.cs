using NlpMtl.Core;
using NlpMtl.Modeling.MultiTask;
using NlpMtl.TestSupport;
using NlpMtl.Training;

namespace NlpMtl.Training.Tests;

/// <summary>A sentiment text longer than the head reads trains as consecutive windows, each with the text's
/// label.</summary>
[Collection(TorchCollection.Name)]
public class SentimentWindowsTests(PretrainedFixture fixture)
{
    TaskData Load(string tsv, int maxSourceLength)
    {
        var root = fixture.NewDirectory("sentiment-windows");
        var train = Path.Combine(root, "train.tsv");
        File.WriteAllText(train, tsv);
        return TinyRun.LoadTask(
            root,
            TaskNames.Sentiment,
            new
            {
                train,
                batch_size = 2,
                max_source_length = maxSourceLength,
            }
        );
    }

    [Fact]
    public void ALongReviewBecomesWindowsThatTogetherHoldEveryToken()
    {
        var review = string.Join(" ", Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? "good" : "film"));
        var data = Load($"sentence\tlabel\n{review}\t1\nbad\t0\n", maxSourceLength: 16);
        var tokenizer = data.SourceTokenizer;
        var words = tokenizer.EncodeUntruncated(review);

        // 40 tokens in windows of 14 (16 less [CLS] and [SEP]), none shared: 14 + 14 + 12, then the short text whole.
        Assert.Equal(4, data.Train.Count);
        Assert.Equal(2, data.Documents);
        var windows = data.Train.Take(3).ToList();
        Assert.All(windows, w => Assert.True(w.SourceIds.Length <= 16));
        Assert.All(windows, w => Assert.Equal((tokenizer.ClsId, tokenizer.SepId), (w.SourceIds[0], w.SourceIds[^1])));
        Assert.Equal(words, windows.SelectMany(w => w.SourceIds[1..^1]));
        Assert.All(windows, w => Assert.Equal(windows[0].Label, w.Label));
        Assert.NotEqual(windows[0].Label, data.Train[3].Label);
        Assert.Equal(tokenizer.Encode("bad"), data.Train[3].SourceIds);
        // Each window says which of its text's it is (windows_per_pass reads them in turn); a whole text says none.
        Assert.Equal([new(0, 0, 3), new(0, 1, 3), new(0, 2, 3)], windows.Select(w => w.Window));
        Assert.Null(data.Train[3].Window);
    }

    [Fact]
    public void ATextThatFitsIsOneWindowEqualToTheTruncatingEncoding()
    {
        var data = Load("sentence\tlabel\nvery good film\t1\n", maxSourceLength: 16);

        Assert.Equal(data.SourceTokenizer.Encode("very good film"), Assert.Single(data.Train).SourceIds);
    }
}
