using DittoFs.Storage.S3.Tests.Infrastructure;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Store;

/// <summary>
/// Helpers for tests of one <see cref="S3ContentStore"/> against the shared s3rver: a fresh key prefix per test,
/// stores opened over it (all disposed at teardown) with a request log each, and checked reads and writes.
/// </summary>
public abstract class StoreTestBase
{
    protected const int KiB = 1024;
    protected const int MiB = 1024 * 1024;

    private readonly List<S3ContentStore> _opened = [];
    private static long s_nextContent;

    protected string KeyPrefix { get; private set; } = "";

    [SetUp]
    public void ChooseKeyPrefix() => KeyPrefix = TestStores.NewPrefix();

    [TearDown]
    public void DisposeStores()
    {
        foreach (var store in _opened)
        {
            store.Dispose();
        }
        _opened.Clear();
    }

    /// <summary>
    /// A store on this test's prefix; pass a <paramref name="handler"/> (such as a <see cref="RequestLog"/>) to see or
    /// change its requests.
    /// </summary>
    private protected async Task<S3ContentStore> OpenAsync(int blockSize = S3ContentStoreOptions.DefaultBlockSize, long? maxDirtyBytes = null, HttpMessageHandler? handler = null, TimeSpan? requestTimeout = null,
        bool keepIdleLengths = true)
    {
        var options = TestStores.Options(S3rverSetup.Server, KeyPrefix, blockSize, maxDirtyBytes, requestTimeout);
        options.KeepIdleLengths = keepIdleLengths;
        return await OpenAsync(options, handler);
    }

    /// <summary>A store with <paramref name="options"/> (from <see cref="TestStores.Options"/> on <see cref="KeyPrefix"/>), disposed at teardown.</summary>
    private protected async Task<S3ContentStore> OpenAsync(S3ContentStoreOptions options, HttpMessageHandler? handler = null)
    {
        var store = await TestStores.OpenAsync(options, handler);
        _opened.Add(store);
        return store;
    }

    protected static ContentId NewContentId() => new(new UInt128(0x53, (ulong)Interlocked.Increment(ref s_nextContent)));

    protected static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    protected static async Task WriteAsync(IContentStore store, ContentId content, ulong offset, byte[] data)
    {
        Assert.That(await store.WriteAsync(content, offset, data), Is.EqualTo(StoreStatus.Ok), $"write {data.Length} at {offset}");
    }

    protected static async Task FlushAsync(IContentStore store, ContentId content)
    {
        Assert.That(await store.FlushAsync(content), Is.EqualTo(StoreStatus.Ok), "flush");
    }

    protected static async Task<byte[]> ReadAsync(IContentStore store, ContentId content, ulong offset, int length)
    {
        var buffer = new byte[length];
        var read = await store.ReadAsync(content, offset, buffer);
        Assert.That(read.Status, Is.EqualTo(StoreStatus.Ok), $"read {length} at {offset}");
        return buffer[..read.Value];
    }

    /// <summary>Byte arrays compared as spans: NUnit's element-wise comparison is slow on megabytes.</summary>
    protected static void AssertSameBytes(byte[] actual, ReadOnlySpan<byte> expected, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        int mismatch = actual.AsSpan().CommonPrefixLength(expected);
        Assert.That(mismatch, Is.EqualTo(expected.Length), $"{what}: first difference at byte {mismatch}");
    }

    /// <summary>The object name of a block, as the store lays it out under the content's prefix.</summary>
    protected static string BlockName(ContentId content, ulong index) => $"{content}/{index:x16}";

    protected static string LengthName(ContentId content) => $"{content}/length";
}
