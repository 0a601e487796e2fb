using System.CommandLine;
using NlpMtl.Training;

namespace NlpMtl.Worker.Commands;

/// <summary><c>--data DIR</c>, shared by the verbs that read a training config (see
/// <see cref="TrainingConfig.ResolveData"/>).</summary>
public static class DataRootOption
{
    public static Option<DirectoryInfo?> Create() =>
        new("--data")
        {
            Description =
                $"Data root: the config's data paths (other than ./ and ../ ones) are read under it (default: "
                + $"${TrainingConfig.DataRootVariable}, else the config's folder)",
        };
}
