using System.CommandLine;
using NlpMtl.Training;

namespace NlpMtl.Worker.Commands;

/// <summary><c>nlpmtl train --config FILE --out DIR</c>: multi-task fine-tuning (see <see cref="Trainer"/>).</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config")
        {
            Description = "Training config (JSON; see configs/)",
            Required = true,
        };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Run directory: best/, last/, metrics.jsonl, curves.png",
            Required = true,
        };
        var maxSteps = new Option<long?>("--max-steps")
        {
            Description = "Override the config's max_steps (0: write the base encoder with untrained heads)",
        };
        var budget = new Option<double?>("--time-budget")
        {
            Description = "Stop after this many minutes (overrides the config)",
        };
        var seed = new Option<int?>("--seed")
        {
            Description = "Override the config's seed (a repeat of a recipe; a resumed run keeps its own)",
        };
        var resume = new Option<bool>("--resume") { Description = "Continue the run saved in OUT/last" };
        var from = new Option<DirectoryInfo?>("--from")
        {
            Description = "Start from a trained multi-task checkpoint (per-task fine-tune)",
        };
        var data = DataRootOption.Create();
        var tasks = new Option<string[]>("--tasks")
        {
            Description = "Train only these tasks (e.g. --tasks sentiment)",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("train", "Fine-tune the shared encoder and task heads")
        {
            config,
            output,
            data,
            maxSteps,
            budget,
            seed,
            resume,
            from,
            tasks,
        };
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    token =>
                    {
                        if (parse.GetValue(maxSteps) is < 0)
                            throw new ArgumentException(
                                $"--max-steps must be 0 or more, was {parse.GetValue(maxSteps)}"
                            );
                        if (parse.GetValue(budget) is { } minutes && !(minutes > 0))
                            throw new ArgumentException($"--time-budget must be more than 0 minutes, was {minutes}");
                        var selected = parse
                            .GetValue(tasks)
                            ?.SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries))
                            .ToList();
                        var trainer = new Trainer(
                            TrainingConfig.Load(parse.GetValue(config)!.FullName, parse.GetValue(data)?.FullName),
                            new TrainerOptions
                            {
                                OutputDirectory = parse.GetValue(output)!.FullName,
                                MaxSteps = parse.GetValue(maxSteps),
                                TimeBudgetMinutes = parse.GetValue(budget),
                                Seed = parse.GetValue(seed),
                                Resume = parse.GetValue(resume),
                                From = parse.GetValue(from)?.FullName,
                                Tasks = selected is { Count: > 0 } ? selected : null,
                            }
                        );
                        var result = trainer.Run(token);
                        if (token.IsCancellationRequested)
                        {
                            Console.Error.WriteLine(
                                $"nlpmtl: training stopped at step {result.Steps}; "
                                    + $"{Path.Combine(parse.GetValue(output)!.FullName, "last")} holds it and "
                                    + "--resume continues from there"
                            );
                            token.ThrowIfCancellationRequested();
                        }
                        Console.WriteLine(
                            $"Trained {result.Steps} steps ({result.TokensPerSecond:F0} tokens/s); best combined "
                                + $"score {result.BestScore:F2} at step {result.BestStep}"
                        );
                        foreach (var (name, value) in result.LastMetrics.OrderBy(p => p.Key, StringComparer.Ordinal))
                            Console.WriteLine($"  {name} = {value:F2}");
                        return Task.CompletedTask;
                    },
                    cancellationToken
                )
        );
        return command;
    }
}
