using NlpMtl.TestSupport;

namespace NlpMtl.Modeling.Tests;

/// <summary>TorchSharp tests share native state (threads, RNG, dispose scopes): run them one at a time. (xUnit finds a
/// collection definition only in the test assembly itself, so each TorchSharp test project has this class.)</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection : ICollectionFixture<PretrainedFixture>
{
    public const string Name = "TorchSharp";
}
