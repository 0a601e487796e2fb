using System.Text.Json.Nodes;
using NlpMtl.Core.Bundle;
using NlpMtl.Inference.Batching;
using NlpMtl.TestSupport;

namespace NlpMtl.Inference.Tests;

/// <summary>The engine on the tiny bundle: one encoding for every head, the truncation policy, loading
/// errors.</summary>
[Collection(BundleCollection.Name)]
[Trait("Category", "Integration")]
public class EngineTests(BundleFixture fixture)
{
    [Fact]
    public void ABundlePointerLoadsTheBundleItNames()
    {
        var pointer = Path.Combine(Scratch.CreateDirectory("nlpmtl-pointer-").FullName, "current");
        BundlePointer.Publish(pointer, fixture.Tiny.Bundle);
        using var direct = InferenceEngine.Load(fixture.Tiny.Bundle);
        using var pointed = InferenceEngine.Load(pointer);
        Assert.Equal(Path.GetFullPath(fixture.Tiny.Bundle), pointed.Bundle.Directory);
        var request = new DocumentRequest("d", "a charming film", ["sentiment"]);
        Assert.Equal(
            direct.Predict([request])[0].Predictions[0].Score,
            pointed.Predict([request])[0].Predictions[0].Score
        );
    }

    [Fact]
    public void EveryRequestedHeadRunsOnOneEncodingInTheRequestedOrder()
    {
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle);
        string[] texts = ["a charming film", "ein Mann fährt mit dem Hund in den Park", "not really"];
        string[] all = ["translate", "sentiment", "summarize"];
        var together = engine.Predict(texts.Select((t, i) => new DocumentRequest($"{i}", t, all)).ToList());
        Assert.All(together, r => Assert.Equal(all, r.Predictions.Select(p => p.Task)));
        foreach (var task in all) // short documents: every limit keeps them whole, so one task alone must agree
        {
            var alone = engine.Predict(texts.Select((t, i) => new DocumentRequest($"{i}", t, [task])).ToList());
            for (var i = 0; i < texts.Length; i++)
            {
                var (a, b) = (together[i].Predictions.Single(p => p.Task == task), alone[i].Predictions[0]);
                Assert.Equal((a.Label, a.Summary, a.Translation), (b.Label, b.Summary, b.Translation));
                Assert.Equal(a.Score ?? 0, b.Score ?? 0, 5);
            }
        }
    }

    [Fact]
    public void AProfilePrefixMakesEachSessionWriteItsOperatorProfileWhenDisposed()
    {
        // created on demand
        var folder = Path.Combine(fixture.Root, "profile-" + Guid.NewGuid().ToString("N"), "nested");
        var prefix = Path.Combine(folder, "run");
        using (
            var engine = InferenceEngine.Load(
                fixture.Tiny.Bundle,
                new InferenceOptions { ExecutionProvider = ExecutionProviderPreference.Cpu, ProfilePrefix = prefix }
            )
        )
            engine.Predict([new DocumentRequest("1", "a charming film", ["sentiment"])]);

        var profiles = Directory.GetFiles(folder, "run_*.json");
        Assert.NotEmpty(profiles);
        // The encoder's profile holds its run and the kernel time of its nodes (what scripts/ort-profile.sh sums).
        var events = profiles.SelectMany(f => JsonNode.Parse(File.ReadAllText(f))!.AsArray()).ToList();
        Assert.Contains(events, e => (string?)e!["cat"] == "Session" && (string?)e["name"] == "model_run");
        Assert.Contains(events, e => (string?)e!["cat"] == "Node" && ((string?)e["name"])!.EndsWith("_kernel_time"));

        // scripts/ort-profile.sh sums each file by node: a header with the runs, then the costliest nodes.
        var (exit, stdout, stderr) = RunScript("scripts/ort-profile.sh", ["--top", "3", .. profiles]);
        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith(profiles[0]) && l.Contains(" runs, "));
        Assert.Contains(lines, l =>
            System.Text.RegularExpressions.Regex.IsMatch(l, @"^ +\d+\.\d % +\d+\.\d ms +\d+ calls  \w+ +\S+$")
        );

        var notAProfile = Path.Combine(folder, "other.json");
        File.WriteAllText(notAProfile, "{\"a\": 1}");
        (exit, _, stderr) = RunScript("scripts/ort-profile.sh", [notAProfile]);
        Assert.Equal(1, exit);
        Assert.Contains($"{notAProfile}: not an ONNX Runtime profile", stderr);
    }

    static (int Exit, string Stdout, string Stderr) RunScript(string script, string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(
            "bash",
            [Path.Combine(AppContext.BaseDirectory, script), .. arguments]
        )
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }

    [Fact]
    public void MixedTaskBatchesGiveEachDocumentItsOwnTasks()
    {
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle);
        var requests = new List<DocumentRequest>
        {
            new("s", "great", ["sentiment"]),
            new("t", "a dog runs in the park", ["translate"]),
            new("st", "the plot was terrible", ["summarize", "translate"]),
            new("all", "", ["sentiment", "summarize", "translate"]),
        };
        var results = engine.Run(requests.Select(engine.Encode).ToList());
        Assert.Equal(
            requests.Select(r => (r.Id, string.Join(",", r.Tasks))),
            results.Select(r => (r.Id, string.Join(",", r.Predictions.Select(p => p.Task))))
        );
        var json = results[0].Predictions[0].ToJson(); // docs/contracts.md's field order
        Assert.StartsWith(
            $"{{\"id\":\"s\",\"task\":\"sentiment\",\"label\":\"{results[0].Predictions[0].Label}\",\"score\":0.",
            json
        );
        Assert.StartsWith("{\"id\":\"st\",\"task\":\"summarize\",\"summary\":\"", results[2].Predictions[0].ToJson());
        Assert.StartsWith(
            "{\"id\":\"st\",\"task\":\"translate\",\"translation\":\"",
            results[2].Predictions[1].ToJson()
        );
    }

    [Fact]
    public void OverlongInputsAreTruncatedToTheTaskLimitKeepingSep()
    {
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle);
        var huge = string.Join(' ', Enumerable.Repeat("charming acting but a terrible plot", 400_000)); // ~14 MB
        var sep = engine.Bundle.Tokenizer.SepId;
        foreach (
            var (tasks, limit) in new[]
            {
                (new[] { "translate" }, 48),
                (["summarize"], 96),
                (["sentiment"], 128),
                (["translate", "summarize"], 96),
            }
        )
        {
            var encoded = engine.Encode(new DocumentRequest("x", huge, tasks));
            Assert.Equal(limit, encoded.Tokens);
            Assert.Equal(sep, encoded.InputIds[^1]);
            Assert.True(encoded.Truncated);
        }
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = engine.Predict([new DocumentRequest("x", huge, ["sentiment", "summarize", "translate"])]);
        Assert.Equal(3, result[0].Predictions.Count);
        // the whole-document path stops at the cap, and says so
        Assert.All(result[0].Predictions, p => Assert.True(p.Truncated));
        Assert.True(
            watch.Elapsed < TimeSpan.FromSeconds(60),
            $"a 14 MB document took {watch.Elapsed.TotalSeconds:F1} s"
        );
        // Past the token budget on its own, a document still gets a batch.
        Assert.Single(
            engine.Predict([new DocumentRequest("y", huge, ["sentiment"])], new BatchingOptions { TokenBudget = 16 })
        );
    }

    [Fact]
    public void UnknownTasksAndMissingBundlesFailNamingTheCulprit()
    {
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle, tasks: ["sentiment"]);
        Assert.Contains(
            "task 'summarize' is not served",
            Assert.Throws<ArgumentException>(() => engine.Encode(new DocumentRequest("d1", "x", ["summarize"]))).Message
        );
        Assert.Contains(
            "no tasks",
            Assert.Throws<ArgumentException>(() => engine.Encode(new DocumentRequest("d1", "x", []))).Message
        );

        var missing = Path.Combine(fixture.Root, "no-such-bundle");
        Assert.Contains(
            missing,
            Assert.Throws<DirectoryNotFoundException>(() => InferenceEngine.Load(missing)).Message
        );
        var empty = Directory.CreateDirectory(Path.Combine(fixture.Root, "empty-bundle")).FullName;
        Assert.Contains(
            "not a model bundle",
            Assert.Throws<FileNotFoundException>(() => InferenceEngine.Load(empty)).Message
        );
        Assert.Contains(
            "has no 'paraphrase' task",
            Assert
                .Throws<ArgumentException>(() => InferenceEngine.Load(fixture.Tiny.Bundle, tasks: ["paraphrase"]))
                .Message
        );
    }

    [Fact]
    public void DamagedBundlesFailNamingFileAndField()
    {
        var copy = CopyBundle("damaged");
        File.Delete(Path.Combine(copy, BundleNames.CrossFile("translate")));
        Assert.Contains(
            "cross_translate.onnx: graph file not found",
            Assert.Throws<FileNotFoundException>(() => InferenceEngine.Load(copy)).Message
        );

        var wrongSize = CopyBundle("wrong-size");
        Edit(wrongSize, m => m["summarize"]!["vocab_size"] = 999);
        Assert.Contains(
            "summarize.vocab_size is 999",
            Assert.Throws<InvalidDataException>(() => InferenceEngine.Load(wrongSize)).Message
        );
    }

    [Fact]
    public void Int8IsUsedWhenPreferredAndPresentElseFp32()
    {
        using (
            var fp32 = InferenceEngine.Load(
                fixture.Tiny.Bundle,
                new InferenceOptions { PreferInt8 = true },
                tasks: ["sentiment"]
            )
        )
            Assert.False(fp32.Bundle.Int8); // the tiny bundle has no int8 graphs
        var copy = CopyBundle("with-int8");
        File.Copy(
            Path.Combine(copy, BundleNames.EncoderFile),
            Path.Combine(copy, BundleNames.Int8File(BundleNames.EncoderFile))
        );
        Edit(copy, m =>
            m["quantization"] = new JsonObject
            {
                ["files"] = new JsonObject
                {
                    [BundleNames.EncoderFile] = BundleNames.Int8File(BundleNames.EncoderFile),
                },
            }
        );
        using var int8 = InferenceEngine.Load(copy, new InferenceOptions { PreferInt8 = true }, tasks: ["sentiment"]);
        Assert.True(int8.Bundle.Int8);
        Assert.EndsWith("encoder.int8.onnx", int8.Bundle.Encoder.Path);
    }

    string CopyBundle(string name)
    {
        var target = Path.Combine(fixture.Root, name);
        foreach (var file in Directory.GetFiles(fixture.Tiny.Bundle, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(fixture.Tiny.Bundle, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to, overwrite: true);
        }
        return target;
    }

    static void Edit(string bundle, Action<JsonObject> edit)
    {
        var path = Path.Combine(bundle, BundleManifest.FileName);
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(manifest);
        File.WriteAllText(path, manifest.ToJsonString());
    }
}

/// <summary>The batching service the queue worker calls: concurrent callers share batches and get their own
/// order.</summary>
[Collection(BundleCollection.Name)]
public class BatchingInferenceServiceTests(BundleFixture fixture)
{
    [Fact]
    public async Task ConcurrentCallersShareBatchesAndGetTheirOwnResultsInOrder()
    {
        using var engine = InferenceEngine.Load(fixture.Tiny.Bundle);
        var random = new Random(4);
        string Text() =>
            string.Join(
                ' ',
                Enumerable.Range(0, random.Next(0, 60)).Select(_ => random.Next(2) == 0 ? "charming" : "plot")
            );
        var jobs = Enumerable
            .Range(0, 4)
            .Select(j =>
                Enumerable
                    .Range(0, 25)
                    .Select(i => new DocumentRequest(
                        $"job{j}#{i}",
                        Text(),
                        j % 2 == 0 ? ["sentiment"] : ["translate", "sentiment"]
                    ))
                    .ToList()
            )
            .ToList();
        var expected = jobs.Select(job => engine.Predict(job)).ToList();

        await using var service = new BatchingInferenceService(
            engine,
            new BatchingOptions { MaxDelay = TimeSpan.FromMilliseconds(50) }
        );
        var results = await Task.WhenAll(jobs.Select(job => Task.Run(() => service.ProcessAsync(job))));
        for (var j = 0; j < jobs.Count; j++)
        {
            Assert.Equal(jobs[j].Select(d => d.Id), results[j].Select(r => r.Id));
            Assert.Equal(
                expected[j].SelectMany(r => r.Predictions.Select(p => (p.Task, p.Label, p.Translation))),
                results[j].SelectMany(r => r.Predictions.Select(p => (p.Task, p.Label, p.Translation)))
            );
        }
        await Assert.ThrowsAsync<ArgumentException>(() =>
            service.ProcessAsync([new DocumentRequest("x", "y", ["paraphrase"])])
        );
    }
}
