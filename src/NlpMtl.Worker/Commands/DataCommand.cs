using System.CommandLine;
using NlpMtl.Core.DataSets;
using NlpMtl.Core.Downloads;

namespace NlpMtl.Worker.Commands;

/// <summary> <c>nlpmtl data get NAME|all --out DIR</c>: a public data set the recipe uses, from its canonical source,
/// verified, in the layout the configs read (<c>DIR/NAME/…</c>; pass DIR to <c>train --data</c>). <c>nlpmtl data
/// list</c>: the sets. </summary>
public static class DataCommand
{
    public static Command Create()
    {
        var command = new Command("data", "Public data sets the recipe uses (docs/data.md)") { Get(), List() };
        return command;
    }

    static Command Get()
    {
        var names = new Argument<string[]>("name")
        {
            Description = $"{string.Join(", ", PublicDataSets.All.Select(s => s.Name))}, or all",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Data root to write NAME/… under",
            Required = true,
        };
        var command = new Command("get", "Download, verify and lay out data sets under a data root") { names, output };
        command.SetAction(
            (parse, cancellationToken) =>
                NlpMtlCommandLine.Guard(
                    async token =>
                    {
                        var requested = parse.GetValue(names)!;
                        var sets = requested.Any(n => n.Equals("all", StringComparison.OrdinalIgnoreCase))
                            ? PublicDataSets.All
                            : requested.Select(PublicDataSets.Find).Distinct().ToList();
                        var root = parse.GetValue(output)!.FullName;
                        var client = new DataSetClient(DataSetClientOptions.FromEnvironment());
                        var progress = new ConsoleDownloadProgress();
                        foreach (var set in sets)
                        {
                            var directory = await client.GetAsync(set, root, progress, token);
                            var files = Directory
                                .GetFiles(directory)
                                .Select(Path.GetFileName)
                                .Order(StringComparer.Ordinal);
                            Console.WriteLine($"{set.Name}: {directory} ({string.Join(", ", files)})");
                        }
                    },
                    cancellationToken
                )
        );
        return command;
    }

    static Command List()
    {
        var command = new Command("list", "The data sets, their sources and licences");
        command.SetAction(parse =>
        {
            foreach (var set in PublicDataSets.All)
            {
                Console.WriteLine($"{set.Name}: {set.Summary} [{set.Licence}]");
                foreach (var source in set.Sources)
                    Console.WriteLine($"  {source.Url} ({source.Checksum})");
            }
            return 0;
        });
        return command;
    }
}
