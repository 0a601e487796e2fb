using NlpMtl.Core;
using NlpMtl.Core.Generation;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.Generation;
using NlpMtl.Modeling.MultiTask;
using static TorchSharp.torch;

namespace NlpMtl.Modeling.Tests.Generation;

[Collection(TorchCollection.Name)]
[Trait("Category", "Integration")]
public class GenerationTests
{
    /// <param name="copy">With a pointer-generator: the source ids (below 99) are output ids.</param>
    static MultiTaskModel TinyModel(bool copy = false)
    {
        manual_seed(21);
        var head = new DecoderHeadConfig
        {
            Layers = 2,
            VocabSize = 99,
            PadId = 0,
            BosId = 1,
            EosId = 2,
            MaxTargetLength = 12,
            Copy = copy,
        };
        var model = new MultiTaskModel(new BertModel(BertConfig.Tiny), new MultiTaskConfig { Summarize = head });
        model.eval();
        return model;
    }

    static (Tensor Ids, Tensor Mask) Inputs()
    {
        var ids = tensor(new long[] { 5, 17, 23, 42, 8, 0, 9, 33, 61, 7, 12, 4 }, [2, 6]);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1 }, [2, 6]);
        return (ids, mask);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CachedStepsMatchRecomputingThePrefix(bool copy)
    {
        using var model = TinyModel(copy);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (ids, mask) = Inputs();
        var hidden = model.Encode(ids, mask, zeros_like(ids));
        var additive = BertModel.AdditiveMask(mask, hidden.device);
        var decoder = model.Decoder(TaskNames.Summarize);
        var prefix = tensor(new long[] { 1, 14, 70, 3, 1, 55, 6, 91 }, [2, 4]);

        var full = decoder.Step(prefix, hidden, additive, null, ids); // (2, 4, V), causal mask, no cache
        using var cache = decoder.NewCache();
        for (var t = 0; t < 4; t++)
        {
            var step = decoder.Step(prefix.narrow(1, t, 1), hidden, additive, cache, ids); // (2, 1, V)
            var difference = (step.select(1, 0) - full.select(1, t)).abs().max().item<float>();
            Assert.True(difference < 1e-5, $"position {t}: cached logits differ by {difference}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SeveralNewTokensAfterACacheAreCausallyMasked(bool copy)
    {
        using var model = TinyModel(copy);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (ids, mask) = Inputs();
        var hidden = model.Encode(ids, mask, zeros_like(ids));
        var additive = BertModel.AdditiveMask(mask, hidden.device);
        var decoder = model.Decoder(TaskNames.Summarize);
        var prefix = tensor(new long[] { 1, 14, 70, 3, 1, 55, 6, 91 }, [2, 4]);

        var full = decoder.Step(prefix, hidden, additive, null, ids);
        using var cache = decoder.NewCache();
        decoder.Step(prefix.narrow(1, 0, 2), hidden, additive, cache, ids);
        // two new tokens after two cached
        var rest = decoder.Step(prefix.narrow(1, 2, 2), hidden, additive, cache, ids);
        Assert.True((rest - full.narrow(1, 2, 2)).abs().max().item<float>() < 1e-5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GreedyIsArgmaxOfRecomputedPrefixes(bool copy)
    {
        using var model = TinyModel(copy);
        using var scope = NewDisposeScope();
        var (ids, mask) = Inputs();
        var generated = Seq2SeqGenerator.Generate(
            model,
            TaskNames.Summarize,
            ids,
            mask,
            new GenerationSettings { MaxNewTokens = 8 }
        );

        using var noGrad = no_grad();
        var hidden = model.Encode(ids, mask, zeros_like(ids));
        var additive = BertModel.AdditiveMask(mask, hidden.device);
        for (var b = 0; b < 2; b++)
        {
            var sequence = new List<long> { 1 };
            var expected = new List<int>();
            for (var t = 0; t < 8; t++)
            {
                var logits = model
                    .Decoder(TaskNames.Summarize)
                    .Step(
                        tensor(sequence.ToArray(), [1, sequence.Count]),
                        hidden.narrow(0, b, 1),
                        additive.narrow(0, b, 1),
                        null,
                        ids.narrow(0, b, 1)
                    );
                var next = (int)logits.select(1, -1).argmax(-1).item<long>();
                if (next == 2)
                    break;
                expected.Add(next);
                sequence.Add(next);
            }
            Assert.Equal(expected, generated[b]);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BeamSearchFindsAtLeastAsLikelyAnOutputAsGreedy(bool copy)
    {
        using var model = TinyModel(copy);
        using var scope = NewDisposeScope();
        var (ids, mask) = Inputs();
        var greedy = Seq2SeqGenerator.Generate(
            model,
            TaskNames.Summarize,
            ids,
            mask,
            new GenerationSettings { MaxNewTokens = 6, LengthPenalty = 0 }
        );
        var beam = Seq2SeqGenerator.Generate(
            model,
            TaskNames.Summarize,
            ids,
            mask,
            new GenerationSettings
            {
                MaxNewTokens = 6,
                NumBeams = 4,
                LengthPenalty = 0,
            }
        );

        for (var b = 0; b < 2; b++)
            Assert.True(
                LogProbability(model, ids, mask, b, beam[b]) >= LogProbability(model, ids, mask, b, greedy[b]) - 1e-4,
                $"row {b}: beam {string.Join(" ", beam[b])} is less likely than greedy {string.Join(" ", greedy[b])}"
            );
    }

    [Fact]
    public void NoRepeatNgramSizeBlocksRepeats()
    {
        using var model = TinyModel();
        using var scope = NewDisposeScope();
        var (ids, mask) = Inputs();
        foreach (var beams in new[] { 1, 3 })
        {
            var outputs = Seq2SeqGenerator.Generate(
                model,
                TaskNames.Summarize,
                ids,
                mask,
                new GenerationSettings
                {
                    MaxNewTokens = 12,
                    NumBeams = beams,
                    NoRepeatNgramSize = 2,
                }
            );
            foreach (var output in outputs)
            {
                var bigrams = output.Zip(output.Skip(1)).ToList();
                Assert.Equal(bigrams.Count, bigrams.Distinct().Count());
            }
        }
    }

    [Theory]
    [InlineData(new[] { 1, 2, 3, 1, 2 }, 3, new[] { 3 })]
    [InlineData(new[] { 4, 4, 4 }, 2, new[] { 4, 4 })]
    [InlineData(new[] { 1, 2 }, 3, new int[0])]
    public void NgramBlockerBansCompletionsOfSeenNgrams(int[] sequence, int n, int[] banned)
    {
        Assert.Equal(banned, NgramBlocker.Banned(sequence, n));
    }

    /// <summary>Sum of log-probabilities of <paramref name="output"/> then EOS (or the output alone at max
    /// length).</summary>
    static double LogProbability(MultiTaskModel model, Tensor ids, Tensor mask, int row, int[] output)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var hidden = model.Encode(ids, mask, zeros_like(ids)).narrow(0, row, 1);
        var additive = BertModel.AdditiveMask(mask, hidden.device).narrow(0, row, 1);
        var inputs = new long[] { 1 }
            .Concat(output.Select(t => (long)t))
            .ToArray();
        var targets = output.Select(t => (long)t).Append(2L).ToArray();
        var logProbs = model
            .Decoder(TaskNames.Summarize)
            .Step(tensor(inputs, [1, inputs.Length]), hidden, additive, null, ids.narrow(0, row, 1))
            .log_softmax(-1)[0];
        var count = output.Length == 6 ? output.Length : targets.Length; // at the length limit no EOS was chosen
        return Enumerable.Range(0, count).Sum(t => logProbs[t, targets[t]].item<float>());
    }
}
