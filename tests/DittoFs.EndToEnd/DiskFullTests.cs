using System.Diagnostics;
using DittoFs.Protocol;
using DittoFs.Server;
using DittoFs.Server.Configuration;
using DittoFs.Server.Fsck;
using DittoFs.Storage.TestSupport;

namespace DittoFs.EndToEnd;

/// <summary>
/// A full file system under the file-system content store, for real: a 4 MiB tmpfs holds the content (metadata on
/// the ordinary disk). Filling it through NFS ends in NFS3ERR_NOSPC, never a hang, a crash or a lost
/// acknowledged byte; the server keeps serving, and once a file is removed the same client writes again.
/// Needs the right to mount (root, as on the project's machines and CI); ignored where that is missing.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DiskFullTests
{
    private const int Chunk = 64 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Test]
    public async Task A_full_content_file_system_answers_nospc_and_recovers_once_space_returns()
    {
        using var small = SmallFileSystem.TryMount(4 << 20, out string whyNot);
        if (small is null)
            Assert.Ignore($"No small file system to fill here: {whyNot}");
        string data = Directory.CreateTempSubdirectory("dittofs-diskfull-").FullName;
        try
        {
            string config = Path.Combine(data, "dittofs.yaml");
            File.WriteAllText(config, ConfiguredServer.OnDiskShare($"{data}/metadata", small!.Path));
            using (var server = DittoFsProcess.Start("--config", config))
            {
                try
                {
                    await FillRemoveAndWriteAgainAsync(server.Port);
                }
                catch
                {
                    TestContext.Out.WriteLine("dittofs output:\n" + server.Output);
                    throw;
                }
                Assert.That(server.Terminate(Timeout), Is.Zero, "a clean stop after the disk was full");
            }
            var output = new StringWriter();
            var report = await FsckRunner.RunAsync(ConfigLoader.LoadFile(config, StoreRegistry.AvailableTypes), repair: false, output);
            TestContext.Out.WriteLine(output);
            Assert.That(report.MetadataFindings, Is.Empty, "the metadata is consistent after the disk was full");
            Assert.That(report.Content.Where(f => f.Problem != ContentProblem.ContentBeyondSize), Is.Empty,
                "nothing but the partial bytes of writes answered NOSPC is left over");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task FillRemoveAndWriteAgainAsync(int port)
    {
        await using var session = await NfsSession.MountAsync(port, Timeout);
        var written = new Dictionary<string, (NfsFh3 Handle, byte[] Content)>();
        var random = new Random(5);
        var nospc = Nfsstat3.Nfs3Ok;
        var slowest = TimeSpan.Zero;
        for (int file = 0; nospc == Nfsstat3.Nfs3Ok && file < 40; file++)
        {
            string name = $"filler{file}";
            var created = await session.CreateAsync(session.Root, name);
            Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), $"CREATE {name}: the metadata disk is not full");
            var handle = NfsSession.Copy(created.Resok.Obj.Handle);
            var content = new MemoryStream();
            for (int i = 0; i < 8; i++)
            {
                var chunk = new byte[Chunk];
                random.NextBytes(chunk);
                var clock = Stopwatch.StartNew();
                var write = await session.WriteAsync(handle, (ulong)content.Length, chunk, i % 2 == 0 ? StableHow.FileSync : StableHow.Unstable).AsTask().WaitAsync(Timeout);
                slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
                if (write.Status != Nfsstat3.Nfs3Ok)
                {
                    nospc = write.Status;
                    break;
                }
                content.Write(chunk);
            }
            var commit = await session.CommitAsync(handle);
            Assert.That(commit.Status, Is.AnyOf(Nfsstat3.Nfs3Ok, Nfsstat3.Nfs3errNospc), $"COMMIT {name}");
            written[name] = (handle, content.ToArray());
        }
        TestContext.Out.WriteLine($"NOSPC after {written.Values.Sum(w => w.Content.Length) / 1024} KiB in {written.Count} files; slowest WRITE {slowest.TotalMilliseconds:F0} ms");
        Assert.That(nospc, Is.EqualTo(Nfsstat3.Nfs3errNospc), "filling 4 MiB ends in NFS3ERR_NOSPC");

        foreach (var (name, (handle, content)) in written)
            Assert.That(await session.ReadAllAsync(handle), Is.EqualTo(content), $"{name}: every acknowledged byte is there after NOSPC");
        var listing = await session.ListAsync(session.Root);
        Assert.That(listing.Select(e => e.Name), Is.SupersetOf(written.Keys), "the namespace still answers");

        var remove = await session.RemoveAsync(session.Root, "filler0");
        Assert.That(remove.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), "REMOVE frees space on a full disk");
        var again = await session.CreateAsync(session.Root, "after-space-returned");
        Assert.That(again.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        var payload = new byte[4 * Chunk];
        random.NextBytes(payload);
        var rewrite = await session.WriteAsync(again.Resok.Obj.Handle, 0, payload, StableHow.FileSync);
        Assert.That(rewrite.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), "the same client writes again once space returned");
        Assert.That(await session.ReadAllAsync(again.Resok.Obj.Handle), Is.EqualTo(payload));
    }
}
