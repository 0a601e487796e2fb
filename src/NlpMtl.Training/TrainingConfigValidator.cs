using System.Globalization;
using NlpMtl.Core;
using NlpMtl.Core.Text;
using NlpMtl.Modeling.Bert;
using NlpMtl.Modeling.MultiTask;

namespace NlpMtl.Training;

/// <summary>
/// Checks every setting of a training config before anything runs, naming the offending key by its JSON path
/// (<c>tasks.sentiment.batch_size</c>) and the value found: a negative learning rate would train, and a zero
/// evaluation interval would divide by zero after the first step, so nothing out of range may pass.
/// </summary>
static class TrainingConfigValidator
{
    public static void Validate(TrainingConfig config, string source)
    {
        var check = new Checker(source);
        if (config.Tasks.Count == 0)
            throw new InvalidDataException($"{source}: 'tasks' is empty");
        foreach (var (task, settings) in config.Tasks)
            ValidateTask(check, task, settings);

        if (config.Sampling.Method is not ("proportional" or "temperature" or "uniform"))
            throw new InvalidDataException(
                $"{source}: sampling.method '{config.Sampling.Method}' (proportional, temperature, uniform)"
            );
        check.Positive("sampling.temperature", config.Sampling.Temperature);
        if (config.Balancing.Method is not ("static" or "uncertainty" or "pcgrad"))
            throw new InvalidDataException(
                $"{source}: balancing.method '{config.Balancing.Method}' (static, uncertainty, pcgrad)"
            );

        var optimizer = config.Optimizer;
        check.Positive("optimizer.learning_rate", optimizer.LearningRate);
        if (optimizer.HeadLearningRate is { } headRate)
            check.Positive("optimizer.head_learning_rate", headRate);
        check.AtLeast("optimizer.weight_decay", optimizer.WeightDecay, 0);
        check.Fraction("optimizer.warmup_ratio", optimizer.WarmupRatio);
        check.Positive("optimizer.max_grad_norm", optimizer.MaxGradNorm);
        check.AtLeast("optimizer.accumulation_steps", optimizer.AccumulationSteps, 1);
        check.Fraction("optimizer.label_smoothing", optimizer.LabelSmoothing);

        var evaluation = config.Evaluation;
        check.AtLeast("evaluation.every_steps", evaluation.EverySteps, 1);
        if (evaluation.MaxExamples is { } maxExamples)
            check.AtLeast("evaluation.max_examples", maxExamples, 1);
        check.AtLeast("evaluation.patience", evaluation.Patience, 0);
        check.AtLeast("evaluation.num_beams", evaluation.NumBeams, 1);
        check.AtLeast("evaluation.batch_size", evaluation.BatchSize, 1);
        if (evaluation.FinalMaxExamples is { } finalExamples)
            check.AtLeast("evaluation.final_max_examples", finalExamples, 1);
        if (evaluation.FinalNumBeams is { } finalBeams)
            check.AtLeast("evaluation.final_num_beams", finalBeams, 1);

        check.AtLeast("max_steps", config.MaxSteps, 1);
        if (config.TimeBudgetMinutes is { } budget)
            check.Positive("time_budget_minutes", budget);
        check.AtLeast("threads", config.Threads, 0);
        if (config.AttentionDropout is { } dropout)
            check.Fraction("attention_dropout", dropout);
        if (config.Precision is not (MixedPrecision.Auto or MixedPrecision.Float32 or MixedPrecision.BFloat16))
            throw new InvalidDataException(
                $"{source}: precision '{config.Precision}' is not supported ({MixedPrecision.Auto}, "
                    + $"{MixedPrecision.Float32}, {MixedPrecision.BFloat16})"
            );
    }

    static void ValidateTask(Checker check, string task, TaskTrainingConfig settings)
    {
        var source = check.Source;
        var path = $"tasks.{task}";
        if (!TaskNames.All.Contains(task))
            throw new InvalidDataException(
                $"{source}: unknown task '{task}' (tasks: {string.Join(", ", TaskNames.All)})"
            );
        if (string.IsNullOrWhiteSpace(settings.Train))
            throw new InvalidDataException($"{source}: {path}.train is missing");
        check.Positive($"{path}.weight", settings.Weight);
        check.Positive($"{path}.sampling_weight", settings.SamplingWeight);
        check.AtLeast($"{path}.batch_size", settings.BatchSize, 1);
        check.AtLeast($"{path}.max_source_length", settings.MaxSourceLength, 3); // [CLS], one token, [SEP]
        check.AtLeast($"{path}.max_target_length", settings.MaxTargetLength, 3);
        if (settings.MaxTrainExamples is { } max)
            check.AtLeast($"{path}.max_train_examples", max, 1);
        check.Fraction($"{path}.dropout", settings.Dropout);
        if (settings.WindowsPerPass is { } windows)
        {
            check.AtLeast($"{path}.windows_per_pass", windows, 1);
            if (task != TaskNames.Sentiment)
                throw new InvalidDataException($"{source}: {path}.windows_per_pass is for the sentiment head only");
        }
        check.AtLeast($"{path}.decoder_layers", settings.DecoderLayers, 1);
        check.AtLeast($"{path}.num_beams", settings.NumBeams, 1);
        check.Finite($"{path}.length_penalty", settings.LengthPenalty);
        check.AtLeast($"{path}.no_repeat_ngram_size", settings.NoRepeatNgramSize, 0);
        if (settings.Pooling is not ("mean" or "cls"))
            throw new InvalidDataException($"{source}: {path}.pooling '{settings.Pooling}' (mean, cls)");
        if (!Enum.IsDefined(settings.Vocabulary)) // a number in the JSON
            throw new InvalidDataException($"{source}: {path}.vocabulary must be 'encoder' or 'target'");
        if (settings.Copy && settings.Vocabulary != VocabularyKind.Encoder)
            throw new InvalidDataException(
                $"{source}: {path}.copy needs vocabulary 'encoder' (copied source ids must be target ids)"
            );
        if (settings.ExtractiveOracleTargets && task == TaskNames.Sentiment)
            throw new InvalidDataException($"{source}: {path}.extractive_oracle_targets is for decoder heads only");
        if (settings.SentenceSalienceWeight is { } salienceWeight)
        {
            check.Finite($"{path}.sentence_salience_weight", salienceWeight);
            check.AtLeast($"{path}.sentence_salience_weight", salienceWeight, 0.0);
        }
        if (settings.SentenceSalienceEncoderEpochs is { } encoderEpochs)
        {
            check.AtLeast($"{path}.sentence_salience_encoder_epochs", encoderEpochs, 0);
            if (task != TaskNames.Summarize)
                throw new InvalidDataException(
                    $"{source}: {path}.sentence_salience_encoder_epochs is for the summarize head only"
                );
        }
        if (settings.SentenceSalienceWeight > 0 && task != TaskNames.Summarize)
            throw new InvalidDataException(
                $"{source}: {path}.sentence_salience_weight is for the summarize head only (it ranks a document's "
                    + "sentences)"
            );
        ValidateLanguages(source, path, task, settings);
        if (settings.Vocabulary == VocabularyKind.Target && settings.TargetTokenizer is null)
            throw new InvalidDataException($"{source}: {path}.target_tokenizer is required with vocabulary 'target'");
        if (settings.LabelNames is { } names)
        {
            if (task != TaskNames.Sentiment)
                throw new InvalidDataException($"{source}: {path}.label_names is for the sentiment head only");
            foreach (var (raw, name) in names)
                if (string.IsNullOrWhiteSpace(name))
                    throw new InvalidDataException($"{source}: {path}.label_names.{raw} is empty");
            if (names.Values.Distinct(StringComparer.Ordinal).Count() != names.Count)
                throw new InvalidDataException($"{source}: {path}.label_names gives two labels the same name");
        }
    }

    static void ValidateLanguages(string source, string path, string task, TaskTrainingConfig settings)
    {
        if (settings.SourceLanguage is null && settings.TargetLanguage is null)
            return;
        if (task != TaskNames.Translate)
            throw new InvalidDataException(
                $"{source}: {path}.source_language and target_language are for the translate head only"
            );
        if (settings.SourceLanguage is null || settings.TargetLanguage is null)
            throw new InvalidDataException(
                $"{source}: {path}: give both source_language and target_language, or neither"
            );
        try
        {
            NumberConvention.Between(settings.SourceLanguage, settings.TargetLanguage); // null without culture data
        }
        catch (CultureNotFoundException e)
        {
            var field = e.InvalidCultureName == settings.SourceLanguage ? "source_language" : "target_language";
            throw new InvalidDataException(
                $"{source}: {path}.{field} '{e.InvalidCultureName}' is not a language this system knows (BCP-47, "
                    + "e.g. 'de')"
            );
        }
    }

    sealed class Checker(string source)
    {
        public string Source => source;

        public void AtLeast(string path, long value, long minimum)
        {
            if (value < minimum)
                throw Fail(
                    path,
                    $"must be at least {minimum}",
                    value.ToString(System.Globalization.CultureInfo.InvariantCulture)
                );
        }

        public void AtLeast(string path, double value, double minimum)
        {
            Finite(path, value);
            if (value < minimum)
                throw Fail(path, $"must be at least {minimum}", Text(value));
        }

        public void Positive(string path, double value)
        {
            Finite(path, value);
            if (value <= 0)
                throw Fail(path, "must be greater than 0", Text(value));
        }

        /// <summary>In [0, 1): a probability or share that cannot be the whole.</summary>
        public void Fraction(string path, double value)
        {
            Finite(path, value);
            if (value is < 0 or >= 1)
                throw Fail(path, "must be in [0, 1)", Text(value));
        }

        public void Finite(string path, double value)
        {
            if (!double.IsFinite(value))
                throw Fail(path, "must be a finite number", Text(value));
        }

        InvalidDataException Fail(string path, string rule, string value) =>
            new($"{source}: {path} {rule}, was {value}");

        static string Text(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
    }
}
