using System.Text;

namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>
/// Runs in a child process that <see cref="CrashTests"/> kills: workers repeat a round of namespace changes
/// (create, write and flush, link, mkdir, rename into it, remove the link, create and remove a scratch file) and
/// print a line once a round's every step has returned, until the process is killed mid-round. Nothing deletes
/// content here, so the scratch file's content stays listed as released.
/// </summary>
internal static class CrashWriter
{
    public const string Command = "crash-writer";
    public const string ShareName = "share";
    public const int Workers = 4;

    /// <summary>The line printed when a round is durable: "done WORKER ROUND RELEASED" (the scratch file's content id, hex).</summary>
    public static string DoneLine(int worker, int round, ContentId released) => $"done {worker} {round} {released.Value:x}";

    public static async Task RunAsync(string path)
    {
        // Never disposed: the process ends by being killed.
        var store = new RocksDbMetadataStore(path);
        var root = (await store.GetOrCreateRootAsync(ShareName, 0, 0, Convert.ToUInt32("777", 8))).Value;
        var output = new Lock();
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            for (int round = 0; ; round++)
            {
                var released = await RunRoundAsync(store, root, worker, round);
                lock (output)
                {
                    Console.Out.WriteLine(DoneLine(worker, round, released));
                    Console.Out.Flush();
                }
            }
        })));
    }

    public static string FileName(int worker, int round) => $"f-{worker}-{round}";
    public static string LinkName(int worker, int round) => $"l-{worker}-{round}";
    public static string DirectoryName(int worker, int round) => $"d-{worker}-{round}";
    public static string ScratchName(int worker, int round) => $"s-{worker}-{round}";
    public const string MovedName = "moved";
    public static ulong SizeOf(int worker, int round) => (ulong)(worker * 1000 + round + 1);

    /// <summary>Returns the content the round released (its scratch file's).</summary>
    private static async Task<ContentId> RunRoundAsync(RocksDbMetadataStore store, FileRef root, int worker, int round)
    {
        var auth = AuthContext.Root();
        var file = Expect(await store.CreateAsync(auth, root, Name(FileName(worker, round)), CreateMode.Guarded, default, 0)).File;
        Expect(await store.CommitWriteAsync(auth, file.Ref, 0, (uint)SizeOf(worker, round)));
        if (await store.FlushAsync(file.Ref) != StoreStatus.Ok)
        {
            throw new InvalidOperationException("flush failed");
        }
        Expect(await store.LinkAsync(auth, file.Ref, root, Name(LinkName(worker, round))));
        var directory = Expect(await store.MkdirAsync(auth, root, Name(DirectoryName(worker, round)), default)).File;
        Expect(await store.RenameAsync(auth, root, Name(FileName(worker, round)), directory.Ref, Name(MovedName)));
        Expect(await store.RemoveAsync(auth, root, Name(LinkName(worker, round))));
        var scratch = Expect(await store.CreateAsync(auth, root, Name(ScratchName(worker, round)), CreateMode.Guarded, default, 0)).File;
        Expect(await store.CommitWriteAsync(auth, scratch.Ref, 0, 1));
        return Expect(await store.RemoveAsync(auth, root, Name(ScratchName(worker, round)))).ReleasedContent;
    }

    private static T Expect<T>(StoreResult<T> result) =>
        result.IsOk ? result.Value : throw new InvalidOperationException($"store answered {result.Status}");

    private static byte[] Name(string name) => Encoding.UTF8.GetBytes(name);
}
