using System.Diagnostics;
using System.Runtime.InteropServices;
using NUnit.Framework;

namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>
/// A real crash: a child process (this assembly, see <see cref="Program"/>) changes the namespace from several
/// tasks and is killed with SIGKILL in the middle of it; the database it leaves must hold every change that
/// returned and nothing half-done, the release list included. (A power cut is not simulated: synced WAL writes are what covers it.)
/// </summary>
[TestFixture]
public sealed class CrashTests
{
    private const int RoundsBeforeKill = 150;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private readonly TemporaryDirectories _directories = new("rocksdb");

    [OneTimeTearDown]
    public void DeleteDirectories() => _directories.Dispose();

    [Test]
    public async Task A_killed_writer_leaves_every_finished_round_and_a_consistent_tree()
    {
        string path = _directories.Create();
        var finished = await RunWriterUntilKilledAsync(path);

        using var store = new RocksDbMetadataStore(path);
        var root = (await store.GetOrCreateRootAsync(CrashWriter.ShareName, 0, 0, 0)).Value;
        var tree = await TreeAudit.CheckAsync(store, root);

        Assert.That(finished, Has.Count.GreaterThanOrEqualTo(RoundsBeforeKill));
        foreach (var (worker, round, _) in finished)
        {
            string moved = $"/{CrashWriter.DirectoryName(worker, round)}/{CrashWriter.MovedName}";
            Assert.That(tree.ContainsKey(moved), $"{moved} of a finished round");
            Assert.That((tree[moved].Size, tree[moved].LinkCount), Is.EqualTo((CrashWriter.SizeOf(worker, round), 1u)), moved);
            Assert.That(tree.ContainsKey($"/{CrashWriter.FileName(worker, round)}"), Is.False, "renamed away");
            Assert.That(tree.ContainsKey($"/{CrashWriter.LinkName(worker, round)}"), Is.False, "removed");
        }
    }

    [Test]
    public async Task After_a_crash_new_files_get_ids_never_seen_before()
    {
        string path = _directories.Create();
        await RunWriterUntilKilledAsync(path);

        using var store = new RocksDbMetadataStore(path);
        var root = (await store.GetOrCreateRootAsync(CrashWriter.ShareName, 0, 0, 0)).Value;
        var tree = await TreeAudit.CheckAsync(store, root);
        var created = await store.CreateAsync(AuthContext.Root(), root, "after-crash"u8.ToArray(), CreateMode.Guarded, default, 0);

        Assert.That(created.Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That(created.Value.File.FileId, Is.GreaterThan(tree.Values.Max(attributes => attributes.FileId)));
    }

    [Test]
    public async Task Content_released_before_a_crash_is_still_listed_and_none_of_it_is_a_live_files()
    {
        string path = _directories.Create();
        var finished = await RunWriterUntilKilledAsync(path);

        using var store = new RocksDbMetadataStore(path);
        var root = (await store.GetOrCreateRootAsync(CrashWriter.ShareName, 0, 0, 0)).Value;
        var live = (await TreeAudit.CheckAsync(store, root)).Values.Select(attributes => attributes.ContentId).ToHashSet();
        var released = await store.ListReleasedContentAsync();

        Assert.That(released, Is.SupersetOf(finished.Select(round => round.Released)), "the release of every finished round");
        Assert.That(released.Where(live.Contains), Is.Empty);
    }

    /// <summary>Runs <see cref="CrashWriter"/> until it has finished <see cref="RoundsBeforeKill"/> rounds, kills it, and returns the rounds it finished.</summary>
    private static async Task<List<(int Worker, int Round, ContentId Released)>> RunWriterUntilKilledAsync(string path)
    {
        using var process = Process.Start(new ProcessStartInfo(DotnetHost(), [typeof(CrashWriter).Assembly.Location, CrashWriter.Command, path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var errors = process.StandardError.ReadToEndAsync();
        var finished = new List<(int, int, ContentId)>();
        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            while (finished.Count < RoundsBeforeKill && await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                var parts = line.Split(' ');
                finished.Add((int.Parse(parts[1]), int.Parse(parts[2]), new ContentId(UInt128.Parse(parts[3], System.Globalization.NumberStyles.HexNumber))));
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(); // SIGKILL: no finalizer, no RocksDB close, mid-write
            }
            await process.WaitForExitAsync(CancellationToken.None);
        }
        Assert.That(finished, Has.Count.EqualTo(RoundsBeforeKill), $"the writer stopped early: {await errors}");
        return finished;
    }

    /// <summary>The dotnet host running this test, to start the test assembly with.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }
        // The runtime lives in DOTNET_ROOT/shared/Microsoft.NETCore.App/VERSION/.
        string fromRuntime = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
        return File.Exists(fromRuntime) ? fromRuntime : "dotnet";
    }
}
