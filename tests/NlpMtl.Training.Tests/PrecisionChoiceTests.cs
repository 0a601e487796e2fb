using NlpMtl.Training;
using static TorchSharp.torch;

namespace NlpMtl.Training.Tests;

/// <summary>"auto" takes bfloat16 only where it pays; explicit bf16 on a CPU that emulates it stops at once.</summary>
public class PrecisionChoiceTests
{
    [Theory]
    [InlineData(7.0, true)] // AMX
    [InlineData(1.2, true)]
    [InlineData(1.1, false)]
    [InlineData(0.01, false)] // emulated
    public void AutoTakesBf16OnlyWhereItIsAtLeastOnePointTwoTimesFaster(double speedup, bool bf16)
    {
        var choice = PrecisionChoice.Resolve("auto", () => speedup);
        Assert.Equal(bf16 ? ScalarType.BFloat16 : null, choice.ComputeType);
        Assert.Equal(bf16 ? "bf16" : "fp32", choice.Name);
        Assert.StartsWith($"precision auto → {choice.Name}", choice.Reason);
    }

    [Fact]
    public void ExplicitBf16OnAnEmulatingCpuFailsWithOneLine()
    {
        var error = Assert.Throws<InvalidOperationException>(() => PrecisionChoice.Resolve("bf16", () => 0.01));
        Assert.Contains("emulates bfloat16", error.Message);
        Assert.Contains("\"auto\" or \"fp32\"", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Fp32IsNeverMeasured()
    {
        var choice = PrecisionChoice.Resolve("fp32", () => throw new InvalidOperationException("measured"));
        Assert.Null(choice.ComputeType);
    }
}
