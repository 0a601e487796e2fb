namespace NlpMtl.Core.Numerics;

/// <summary>
/// A tiny PRNG whose whole state is one number, so a resumed run continues the exact same sequence
/// (System.Random's state cannot be saved).
/// </summary>
public sealed class SplitMix64(ulong state)
{
    public ulong State { get; private set; } = state;

    /// <summary>The step between successive states (2⁶⁴ / φ).</summary>
    public const ulong Increment = 0x9E3779B97F4A7C15UL;

    public ulong NextUInt64() => Mix(State += Increment);

    /// <summary>SplitMix64's finaliser: a bijective 64-bit mix whose outputs for successive states look independent,
    /// so <c>Mix(seed + i·Increment)</c> is the i-th draw of a counter-based stream.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A Fisher–Yates permutation of 0..n-1.</summary>
    public int[] Permutation(int n)
    {
        var items = Enumerable.Range(0, n).ToArray();
        for (var i = n - 1; i > 0; i--)
        {
            var j = (int)(NextUInt64() % (ulong)(i + 1));
            (items[i], items[j]) = (items[j], items[i]);
        }
        return items;
    }
}
