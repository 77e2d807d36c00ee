using System.Runtime.CompilerServices;

namespace DittoFs.Protocol.Tests.Support;

/// <summary>
/// Counts the bytes the current thread allocates on the managed heap while running a piece of code many
/// times. An allocation count, not a timing: it is exact and does not depend on the machine's speed.
/// </summary>
public static class Allocations
{
    /// <summary>
    /// Bytes allocated by <paramref name="iterations"/> runs of <paramref name="body"/>, after warm-up runs that
    /// absorb one-time costs (JIT, type loading, static initialisers, pools filling). Pass a static lambda:
    /// its delegate is cached, so calling it allocates nothing itself.
    /// </summary>
    public static long Of(Action body, int iterations = 2_000)
    {
        for (int i = 0; i < 200; i++)
            body();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < iterations; i++)
            body();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>Keeps a result alive so the code that made it cannot be optimised away.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Keep<T>(T value) => Sink<T>.Value = value;

    private static class Sink<T>
    {
        public static T? Value;
    }
}
