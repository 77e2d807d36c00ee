using System.Diagnostics;
using DittoFs.Protocol;
using DittoFs.Server.Configuration;
using DittoFs.Server.Fsck;

namespace DittoFs.EndToEnd;

/// <summary>
/// Crash safety of the real executable with its persistent default (RocksDB metadata, file-system content): workers
/// change the namespace and write (FILE_SYNC, and UNSTABLE followed by COMMIT) until the server is killed with
/// SIGKILL at a seeded random moment. Then, offline, fsck finds no metadata damage and no leftover content but what
/// the calls explain (content of removed files only while listed as released); restarted on the same data directory,
/// every acknowledged namespace change is there and every byte acknowledged as stable reads back exactly, old handles
/// still work, and the write verifier changed; and once the restarted server has stopped, the content of removed files
/// is gone (it deleted what the release list held) and nothing is listed as released any more.
/// A process crash keeps what reached the kernel; a power cut is not simulated (see docs/reliability.md).
/// Seeds: DITTOFS_CRASH_SEEDS (default 10), starting at DITTOFS_CRASH_FIRST_SEED (default 1).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class CrashSafetyTests
{
    private const int Workers = 4; // on the generated client, plus one libnfs client
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static IEnumerable<int> Seeds()
    {
        int count = int.TryParse(Environment.GetEnvironmentVariable("DITTOFS_CRASH_SEEDS"), out int n) && n > 0 ? n : 10;
        int first = int.TryParse(Environment.GetEnvironmentVariable("DITTOFS_CRASH_FIRST_SEED"), out int f) ? f : 1;
        return Enumerable.Range(first, count);
    }

    [TestCaseSource(nameof(Seeds))]
    public async Task What_was_acknowledged_survives_SIGKILL(int seed)
    {
        var random = new Random(seed);
        var killAfter = TimeSpan.FromMilliseconds(random.Next(200, 1500));
        string data = Directory.CreateTempSubdirectory($"dittofs-crash-{seed}-").FullName;
        try
        {
            var (workers, verifierBefore) = await RunUntilKilledAsync(data, killAfter, random);
            var (leftovers, released) = await CheckOfflineAsync(data, workers);
            var restart = Stopwatch.StartNew();
            using var server = DittoFsProcess.Start("--data-dir", data);
            restart.Stop();
            try
            {
                long verified = await VerifyAsync(server.Port, workers, verifierBefore);
                await StopAfterReleasedContentIsQueuedAsync(server, released);
                await CheckReleasedContentDeletedAsync(data, workers);
                TestContext.Out.WriteLine(
                    $"seed {seed}: killed after {killAfter.TotalMilliseconds:F0} ms; {workers.Sum(w => w.Acknowledged)} calls acknowledged by {workers.Count} clients; "
                    + $"in flight: {string.Join("; ", workers.Select(w => w.Model.InFlight ?? "nothing"))}; {verified} stable bytes verified; "
                    + $"fsck: no metadata problems, {leftovers}, {released} listed as released and deleted by the restarted server; restart took {restart.ElapsedMilliseconds} ms");
            }
            catch
            {
                TestContext.Out.WriteLine("dittofs output after the restart:\n" + server.Output);
                throw;
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Starts the server, runs the workers, kills the server after <paramref name="killAfter"/>, and returns the workers' models.</summary>
    private static async Task<(List<ICrashClient> Workers, byte[] Verifier)> RunUntilKilledAsync(string data, TimeSpan killAfter, Random random)
    {
        using var server = DittoFsProcess.Start("--data-dir", data);
        var workers = new List<ICrashClient>();
        var generated = new List<CrashWorker>();
        var sessions = new List<NfsSession>();
        byte[] verifier;
        try
        {
            await using (var setup = await NfsSession.MountAsync(server.Port, Timeout))
            {
                verifier = await VerifierAsync(setup);
                for (int i = 0; i < Workers; i++)
                {
                    var made = await setup.MkdirAsync(setup.Root, $"w{i}");
                    Assert.That(made.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
                    var session = await NfsSession.MountAsync(server.Port, Timeout);
                    sessions.Add(session);
                    generated.Add(new CrashWorker($"w{i}", session, NfsSession.Copy(made.Resok.Obj.Handle), new Random(random.Next())));
                }
                var lib = await setup.MkdirAsync(setup.Root, "lib");
                Assert.That(lib.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
                workers.Add(new LibNfsCrashWorker(server.Port, "/lib", NfsSession.Copy(lib.Resok.Obj.Handle), new Random(random.Next())));
                workers.AddRange(generated);
            }
            var running = workers.Select(worker => worker.RunAsync()).ToList();
            await Task.Delay(killAfter);
            foreach (var libnfs in workers.OfType<LibNfsCrashWorker>())
                libnfs.ServerKilled();
            server.Kill();
            await Task.WhenAll(running).WaitAsync(Timeout);
        }
        catch
        {
            TestContext.Out.WriteLine("dittofs output:\n" + server.Output);
            throw;
        }
        finally
        {
            foreach (var session in sessions)
                await session.DisposeAsync();
        }
        Assert.That(workers.Select(w => w.StoppedBy), Has.All.Not.Null, "every worker ran until the connection died");
        Assert.That(generated.Where(w => w.Verifier is not null).Select(w => w.Verifier), Has.All.EqualTo(verifier), "one verifier per server instance");
        return (workers, verifier);
    }

    /// <summary>
    /// fsck on the dead server's stores: no metadata problem at all (every change is one atomic batch); content left
    /// over only where a call explains it (a REMOVE or replacing RENAME, in flight or answered, whose content was not
    /// deleted yet: deletion runs after the reply — and such content must be listed as released, since the record is
    /// written with the removal and dropped only after the deletion; a WRITE in flight whose bytes landed before its
    /// size was recorded). Returns what there was, and how many pieces of content were listed as released.
    /// </summary>
    private static async Task<(string Leftovers, int Released)> CheckOfflineAsync(string data, List<ICrashClient> workers)
    {
        var output = new StringWriter();
        var report = await FsckRunner.RunAsync(DefaultConfig.Create(data), repair: false, output);
        Assert.That(report.MetadataFindings, Is.Empty, output.ToString());
        var mayOrphan = workers.SelectMany(w => w.Model.MayOrphanContent).ToHashSet();
        var mayExtend = workers.SelectMany(w => w.Model.MayExtendContent).ToHashSet();
        var released = report.Metadata.Values.Single().ReleasedContent;
        foreach (var finding in report.Content)
        {
            ulong fileId = (ulong)finding.Content.Value;
            bool explained = finding.Problem switch
            {
                ContentProblem.OrphanContent => mayOrphan.Contains(fileId) && released.Contains(finding.Content),
                ContentProblem.ContentBeyondSize => mayExtend.Contains(fileId),
                _ => false,
            };
            Assert.That(explained, $"{finding} is not explained by the calls made:\n{output}");
        }
        string leftovers = report.Content.Count == 0 ? "no leftovers" : string.Join(", ", report.Content.GroupBy(f => f.Problem).Select(g => $"{g.Count()} {g.Key}")) + " explained by the calls made";
        return (leftovers, released.Count);
    }

    /// <summary>
    /// Stops the restarted server gracefully (which finishes the queued deletions) once it has queued the content
    /// listed as released: it lists that before serving and queues it in the background, which a stop would cut short.
    /// </summary>
    private static async Task StopAfterReleasedContentIsQueuedAsync(DittoFsProcess server, int released)
    {
        if (released > 0)
        {
            var deadline = DateTime.UtcNow + Timeout;
            while (!server.Output.Contains($"Queued the deletion of {released} piece(s) of content") && DateTime.UtcNow < deadline)
                await Task.Delay(20);
            Assert.That(server.Output, Does.Contain($"Queued the deletion of {released} piece(s) of content"), "the restarted server queues what the release list holds");
        }
        Assert.That(server.Terminate(Timeout), Is.Zero, server.Output);
    }

    /// <summary>
    /// fsck once the restarted server has stopped: no content of a removed file is left (the server deleted what the
    /// release list held) and nothing is listed as released; content beyond a size stays explained by a WRITE in flight.
    /// </summary>
    private static async Task CheckReleasedContentDeletedAsync(string data, List<ICrashClient> workers)
    {
        var output = new StringWriter();
        var report = await FsckRunner.RunAsync(DefaultConfig.Create(data), repair: false, output);
        Assert.That(report.MetadataFindings, Is.Empty, output.ToString());
        Assert.That(report.Metadata.Values.Single().ReleasedContent, Is.Empty, output.ToString());
        var mayExtend = workers.SelectMany(w => w.Model.MayExtendContent).ToHashSet();
        Assert.That(report.Content.Where(f => f.Problem != ContentProblem.ContentBeyondSize || !mayExtend.Contains((ulong)f.Content.Value)), Is.Empty, output.ToString());
    }

    /// <summary>Checks every worker's directory against its model through the restarted server; returns the stable bytes compared.</summary>
    private static async Task<long> VerifyAsync(int port, List<ICrashClient> workers, byte[] verifierBefore)
    {
        await using var session = await NfsSession.MountAsync(port, Timeout);
        long verified = 0;
        var violations = new List<string>();
        foreach (var worker in workers)
        {
            // The directory handle from before the crash still works: handles of persistent stores survive restarts.
            var listing = await session.ListAsync(worker.Directory);
            var listed = listing.ToDictionary(entry => entry.Name, entry => entry.FileId, StringComparer.Ordinal);
            if (!worker.Model.Matches(listed))
            {
                violations.Add($"{worker.Name}: listed {DirectoryModel.Show(listed)}; acknowledged {DirectoryModel.Show(worker.Model.Names)}"
                    + (worker.Model.NamesIfCompleted is { } after ? $" or, with {worker.Model.InFlight} done, {DirectoryModel.Show(after)}" : ""));
            }
            foreach (var entry in listing)
            {
                if (!worker.Model.Files.TryGetValue(entry.FileId, out var file))
                    continue;
                var content = await session.ReadAllAsync(entry.Handle);
                violations.AddRange(file.Violations(content).Select(v => $"{worker.Name}/{entry.Name}: {v}"));
                verified += file.SureBytes;
            }
        }
        Assert.That(violations, Is.Empty);
        Assert.That(await VerifierAsync(session), Is.Not.EqualTo(verifierBefore), "the restarted server has another write verifier");
        return verified;
    }

    /// <summary>The write verifier of the server behind <paramref name="session"/>: an UNSTABLE write of nothing to a file of its own.</summary>
    private static async Task<byte[]> VerifierAsync(NfsSession session)
    {
        string name = $"verifier-{Guid.NewGuid():N}";
        var created = await session.CreateAsync(session.Root, name);
        Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        var written = await session.WriteAsync(created.Resok.Obj.Handle, 0, Array.Empty<byte>(), StableHow.Unstable);
        Assert.That(written.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        return written.Resok.Verf.ToArray();
    }
}
