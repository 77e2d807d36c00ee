namespace DittoFs.Rpc.Tests;

/// <summary>Every await in these tests is bounded, so a hang fails a test instead of the run.</summary>
internal static class Bounded
{
    /// <summary>Long enough for any machine; tests never depend on finishing faster than this.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    public static Task Within(this Task task) => task.WaitAsync(Wait);

    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Wait);

    public static Task<T> Within<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Wait);

    public static Task Within(this ValueTask task) => task.AsTask().WaitAsync(Wait);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test after <see cref="Wait"/>.</summary>
    public static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Timed out waiting until {what}.");
            await Task.Delay(10);
        }
    }
}
