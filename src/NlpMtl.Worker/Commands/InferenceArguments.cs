using System.CommandLine;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using NlpMtl.Core;
using NlpMtl.Inference;
using NlpMtl.Inference.Batching;
using NlpMtl.Inference.Documents;

namespace NlpMtl.Worker.Commands;

/// <summary>The options predict, eval and bench inference share: bundle, threads, int8, decoding and batching
/// overrides.</summary>
sealed class InferenceArguments
{
    public Option<DirectoryInfo> Bundle { get; } =
        new("--bundle") { Description = "Model bundle directory (written by nlpmtl export)", Required = true };
    public Option<int> Threads { get; } =
        new("--threads")
        {
            Description = "ONNX Runtime intra-op threads (0 = one per core)",
            DefaultValueFactory = _ => 0,
        };
    public Option<bool> Int8 { get; } = new("--int8") { Description = "Use the bundle's int8 graphs when it has them" };
    public Option<bool> Cpu { get; } = new("--cpu") { Description = "Use the CPU even when CUDA is available" };
    public Option<int?> Beams { get; } =
        new("--beams") { Description = "Beam count for generation (default: the bundle's; 1 = greedy)" };
    public Option<int?> MaxNewTokens { get; } =
        new("--max-new-tokens") { Description = "Most tokens generated per document (default: the bundle's)" };
    public Option<int?> NoRepeatNgramSize { get; } =
        new("--no-repeat-ngram-size")
        {
            Description =
                "No n-gram of this many tokens is generated twice in one output (default: the bundle's; 0 = no limit)",
        };
    public Option<double?> LengthPenalty { get; } =
        new("--length-penalty")
        {
            Description =
                "Beam search: hypotheses score log-probability / length^P, so above 1 favours longer outputs "
                + "(default: the bundle's)",
        };
    public Option<string?> OrtProfile { get; } =
        new("--ort-profile")
        {
            Description =
                "Write ONNX Runtime's per-operator profile of each session to PREFIX_<time>.json (slows "
                + "inference; summarise with scripts/ort-profile.sh)",
        };
    public Option<int?> MaxDocumentTokens { get; } =
        new("--max-document-tokens")
        {
            Description =
                "Hard cap on the tokens read per document; longer documents are cut and flagged \"truncated\" "
                + "(default: Inference:MaxDocumentTokens, 65,536)",
        };
    public Option<SentimentAggregation?> SentimentAggregation { get; } =
        new("--sentiment-aggregation")
        {
            Description =
                "How a long document's sentiment windows combine: TokenWeightedMeanLogits (default), "
                + "MeanProbabilities, FirstWindow",
        };
    public Option<SummarySelection?> SummarySelection { get; } =
        new("--summary-selection")
        {
            Description =
                "What the summarizer reads of a long document: Salience (default: the most central sentences), "
                + "FirstThenSalience (the first sentence, then the most central others) or Lead (the first tokens)",
        };
    public Option<SummaryStyle?> SummaryStyle { get; } =
        new("--summary-style")
        {
            Description =
                "What a summary is: Extractive (default: the document's sentence closest to the generated text, "
                + "weighed with the bundle's sentence ranker when it has one, as written but for an opening "
                + "connective: --trim-summary-opening), Abstractive (the generated text) or Ranked (the ranker's top "
                + "sentence, without generating; needs a ranker: nlpmtl salience)",
        };
    public Option<int?> SummarySourceTokens { get; } =
        new("--summary-source-tokens")
        {
            Description =
                "Most tokens the summarizer reads (default and most: the head's trained source length); e.g. 256 "
                + "with Lead to measure reading only the start",
        };
    public Option<int?> TranslationPieceTokens { get; } =
        new("--translation-piece-tokens")
        {
            Description =
                "Most tokens translated as one piece (default and most: the head's trained source length); a longer "
                + "sentence is translated in pieces cut at its clauses",
        };
    public Option<bool?> RestoreNumbers { get; } =
        new("--restore-numbers")
        {
            Description =
                "Translate: put the source's numbers back where the translation wrote other numbers in their place, "
                + "listed in numbers_restored (default: true; false keeps the model's text)",
        };
    public Option<bool?> TrimSummaryOpening { get; } =
        new("--trim-summary-opening")
        {
            Description =
                "Summarize: an extracted summary drops the connective its sentence opens with (\"Furthermore, we "
                + "show\" → \"We show\"; default: true; false keeps the sentence verbatim)",
        };
    public Option<int> TokenBudget { get; } =
        new("--token-budget")
        {
            Description = "Encoder positions per batch, padding included",
            DefaultValueFactory = _ => new BatchingOptions().TokenBudget,
        };

    /// <summary>The one task a verb runs (predict, eval).</summary>
    public static Option<string> TaskOption()
    {
        var task = new Option<string>("--task") { Description = "sentiment, summarize or translate", Required = true };
        task.AcceptOnlyFromAmong([.. TaskNames.All]);
        return task;
    }

    public void AddTo(Command command)
    {
        foreach (
            var option in new Option[]
            {
                Bundle,
                Threads,
                Int8,
                Cpu,
                Beams,
                MaxNewTokens,
                NoRepeatNgramSize,
                LengthPenalty,
                TokenBudget,
                OrtProfile,
                MaxDocumentTokens,
                SentimentAggregation,
                SummarySelection,
                SummaryStyle,
                SummarySourceTokens,
                TranslationPieceTokens,
                RestoreNumbers,
                TrimSummaryOpening,
            }
        )
            command.Options.Add(option);
    }

    public InferenceOptions Options(ParseResult parse)
    {
        var defaults = new InferenceOptions();
        var options = new InferenceOptions
        {
            IntraOpThreads = parse.GetValue(Threads),
            PreferInt8 = parse.GetValue(Int8),
            ExecutionProvider = parse.GetValue(Cpu)
                ? ExecutionProviderPreference.Cpu
                : ExecutionProviderPreference.Auto,
            NumBeams = parse.GetValue(Beams),
            MaxNewTokens = parse.GetValue(MaxNewTokens),
            NoRepeatNgramSize = parse.GetValue(NoRepeatNgramSize),
            LengthPenalty = parse.GetValue(LengthPenalty),
            ProfilePrefix = parse.GetValue(OrtProfile),
            MaxDocumentTokens = parse.GetValue(MaxDocumentTokens) ?? defaults.MaxDocumentTokens,
            SentimentAggregation = parse.GetValue(SentimentAggregation) ?? defaults.SentimentAggregation,
            SummarySelection = parse.GetValue(SummarySelection) ?? defaults.SummarySelection,
            SummaryStyle = parse.GetValue(SummaryStyle) ?? defaults.SummaryStyle,
            SummarySourceTokens = parse.GetValue(SummarySourceTokens),
            TranslationPieceTokens = parse.GetValue(TranslationPieceTokens),
            RestoreNumbers = parse.GetValue(RestoreNumbers) ?? defaults.RestoreNumbers,
            TrimSummaryOpening = parse.GetValue(TrimSummaryOpening) ?? defaults.TrimSummaryOpening,
        };
        CheckRanges(
            options,
            [
                (nameof(InferenceOptions.IntraOpThreads), Threads),
                (nameof(InferenceOptions.NumBeams), Beams),
                (nameof(InferenceOptions.MaxNewTokens), MaxNewTokens),
                (nameof(InferenceOptions.NoRepeatNgramSize), NoRepeatNgramSize),
                (nameof(InferenceOptions.LengthPenalty), LengthPenalty),
                (nameof(InferenceOptions.MaxDocumentTokens), MaxDocumentTokens),
                (nameof(InferenceOptions.SummarySourceTokens), SummarySourceTokens),
                (nameof(InferenceOptions.TranslationPieceTokens), TranslationPieceTokens),
            ]
        );
        return options;
    }

    /// <summary>Each numeric option against the <c>[Range]</c> of the <see cref="InferenceOptions"/> property it sets,
    /// the bounds <c>Inference:…</c> in appsettings is held to, so the command line and the host cannot drift apart;
    /// the error names the option.</summary>
    static void CheckRanges(InferenceOptions options, IEnumerable<(string Property, Option Option)> set)
    {
        foreach (var (property, option) in set)
        {
            var info = typeof(InferenceOptions).GetProperty(property)!;
            var range = info.GetCustomAttribute<RangeAttribute>()!;
            // The attribute's own test, as the host's ValidateDataAnnotations applies it (null, not given: valid).
            if (info.GetValue(options) is not ({ } given and (int or double)) || range.IsValid(given))
                continue;
            throw new ArgumentException(
                Convert.ToDouble(given) < Convert.ToDouble(range.Minimum)
                    ? $"{option.Name} must be at least {range.Minimum}"
                    : $"{option.Name} must be at most {range.Maximum}"
            );
        }
    }

    public BatchingOptions Batching(ParseResult parse) => new() { TokenBudget = parse.GetValue(TokenBudget) };

    public InferenceEngine Load(ParseResult parse, params string[] tasks) =>
        InferenceEngine.Load(parse.GetValue(Bundle)!.FullName, Options(parse), new StderrLogger(), tasks);
}
