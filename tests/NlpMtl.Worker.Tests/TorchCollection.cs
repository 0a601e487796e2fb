namespace NlpMtl.Worker.Tests;

/// <summary>Verbs that train or export use TorchSharp's process-wide state (threads, RNG): run them alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "TorchSharp";
}
