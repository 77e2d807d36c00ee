// TEMPORARY diagnostics for the WriteBackTests race; to be removed.
using System.Collections.Concurrent;
using System.Diagnostics;

namespace DittoFs.Storage.S3.Diagnostics;

internal static class DebugTrace
{
    private static long s_seq;
    public static readonly ConcurrentQueue<string> Events = new();
    public static bool Enabled = true;

    public static void Log(string text)
    {
        if (!Enabled) return;
        long seq = Interlocked.Increment(ref s_seq);
        Events.Enqueue($"{seq:D7} {Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1_000_000),14}us t{Environment.CurrentManagedThreadId:D3} {text}");
    }

    public static void Clear() => Events.Clear();
}
