using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using NUnit.Framework;

namespace DittoFs.Tests;

/// <summary>
/// Counts the bytes the current thread allocates on the managed heap while running a piece of code many
/// times. An allocation count, not a timing: it is exact and does not depend on the machine's speed.
/// Linked into each test project that counts allocations (tests/Shared).
/// </summary>
public static class Allocations
{
    /// <summary>
    /// Bytes allocated by <paramref name="iterations"/> runs of <paramref name="body"/>, after warm-up runs that
    /// absorb one-time costs (JIT, type loading, static initialisers, pools filling, first sight of a metric series).
    /// Pass a static lambda where you can: its delegate is cached, so calling it allocates nothing itself.
    /// </summary>
    /// <remarks>
    /// The fewest bytes of three windows: an allocation made per run shows in every window, while a one-time one that
    /// lands inside a window (a metrics SDK's lazy initialisation, seen on loaded machines) shows in at most one.
    /// </remarks>
    public static long Of(Action body, int iterations = 2_000)
    {
        for (int i = 0; i < 200; i++)
            body();
        long fewest = long.MaxValue;
        for (int window = 0; window < 3; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < iterations; i++)
                body();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }

    /// <summary>
    /// Ignores the test unless <paramref name="assembly"/> is optimised: a Debug build compiles async methods to classes
    /// (one allocation per call), so only optimised (Release) builds count.
    /// </summary>
    public static void RequireOptimisedBuild(Assembly assembly)
    {
        if (assembly.GetCustomAttribute<DebuggableAttribute>() is { IsJITOptimizerDisabled: true })
            Assert.Ignore($"Allocation counts need an optimised (Release) build of {assembly.GetName().Name}.");
    }

    /// <summary>Keeps a result alive so the code that made it cannot be optimised away.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Keep<T>(T value) => Sink<T>.Value = value;

    private static class Sink<T>
    {
        public static T? Value;
    }
}
