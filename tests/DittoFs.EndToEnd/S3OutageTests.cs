using System.Diagnostics;
using System.Net;
using DittoFs.Protocol;
using DittoFs.Storage.S3.Tests.Infrastructure;

namespace DittoFs.EndToEnd;

/// <summary>
/// The S3 back end going away under a write load, with the real executable (RocksDB metadata, S3 content on a real
/// s3rver), killed (connections refused) or frozen with SIGSTOP (connections accepted, never answered): while S3 is
/// away every NFS call is answered, with NFS3ERR_JUKEBOX or NFS3ERR_IO where S3 was needed,
/// within a small multiple of the S3 request timeout (no hung requests), and calls that do not need S3 (GETATTR, LOOKUP) stay fast
/// (no thread or connection held up by the calls waiting on S3); once s3rver is back on the same port and folder, the
/// same client connections carry on; and nothing acknowledged as stable is lost, before or after a server restart.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class S3OutageTests
{
    private const int Workers = 8;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);
    // Half the request timeout: a call held up behind one waiting on S3 would take about a whole timeout.
    private static readonly TimeSpan MetadataBound = RequestTimeout / 2;
    // One NFS call may wait on S3 in sequence a few times, each bounded by the request timeout: a WRITE can wait for
    // another call's upload of its block, then for an eviction to make room, and FILE_SYNC then flushes. Seen: 2x.
    private static readonly TimeSpan CallBound = 3 * RequestTimeout;
    private static readonly TimeSpan Healthy = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(20);

    private string _data = null!;
    private S3rverProcess _s3 = null!;
    private string _config = null!;

    [SetUp]
    public void StartS3rver()
    {
        _data = Directory.CreateTempSubdirectory("dittofs-s3outage-").FullName;
        _s3 = S3TestConfig.StartS3rver(_data);
        _config = S3TestConfig.Write(_data, _s3.Endpoint, "dittofs-outage",
            $"block_size: 64KiB, max_dirty_bytes: 1MiB, request_timeout: {RequestTimeout.TotalSeconds}s");
    }

    [TearDown]
    public void StopS3rver()
    {
        _s3.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    [TestCase(Fault.Killed)]
    [TestCase(Fault.Frozen)]
    public async Task Calls_are_answered_while_S3_is_away_and_the_same_client_carries_on_when_it_returns(Fault fault)
    {
        var workers = new List<OutageWorker>();
        using (var server = DittoFsProcess.Start("--config", _config))
        {
            try
            {
                await using var setup = await NfsSession.MountAsync(server.Port);
                for (int i = 0; i < Workers; i++)
                    workers.Add(await OutageWorker.StartAsync(server.Port, setup, i));
                using var stop = new CancellationTokenSource();
                var running = workers.Select(w => w.RunAsync(stop.Token)).ToList();
                await using var probeSession = await NfsSession.MountAsync(server.Port);
                var probe = ProbeMetadataAsync(probeSession, stop.Token);

                await Task.Delay(Healthy);
                var downAt = Phase.Mark(workers, $"S3 {fault}");
                if (fault == Fault.Killed)
                    _s3.Kill();
                else
                    _s3.Freeze();
                await Task.Delay(Outage);
                var upAt = Phase.Mark(workers, "S3 back");
                if (fault == Fault.Killed)
                    _s3.Start();
                else
                    _s3.Thaw();
                var recovery = Stopwatch.StartNew();
                while (!workers.All(w => w.SucceededSince(upAt)) && recovery.Elapsed < RecoveryBound)
                    await Task.Delay(100);
                recovery.Stop();
                await Task.Delay(TimeSpan.FromSeconds(1));
                stop.Cancel();
                await Task.WhenAll(running);
                var probes = await probe;

                Report(workers, downAt, upAt, recovery.Elapsed);
                var probesAway = probes.Where(p => p.At >= downAt && p.At < upAt).ToList();
                TestContext.Out.WriteLine($"GETATTR+LOOKUP probes while S3 was away: {probesAway.Count}, latency max {probesAway.Max(p => p.Latency).TotalMilliseconds:F0} ms");
                Assert.That(probesAway.Max(p => p.Latency), Is.LessThan(MetadataBound), "calls that do not need S3 are not held up by calls waiting on it");
                var calls = workers.SelectMany(w => w.Calls).ToList();
                Assert.That(calls.Where(c => c.At + c.Latency < downAt).Where(c => c.Status != Nfsstat3.Nfs3Ok), Is.Empty, "no errors while S3 is up");
                Assert.That(calls.Select(c => c.Status).Distinct(), Is.SubsetOf(new[] { Nfsstat3.Nfs3Ok, Nfsstat3.Nfs3errJukebox, Nfsstat3.Nfs3errIo }));
                Assert.That(calls.Where(c => c.At >= downAt && c.At < upAt).Count(c => c.Status != Nfsstat3.Nfs3Ok), Is.GreaterThan(0), "the outage was felt");
                Assert.That(calls.Max(c => c.Latency), Is.LessThan(CallBound), "every call is answered within three S3 request timeouts");
                Assert.That(workers.All(w => w.SucceededSince(upAt)), $"every client carries on within {RecoveryBound} of S3's return");

                // Make what each client wrote stable (a client retries JUKEBOX), check it, and check it again from S3 after a restart.
                foreach (var worker in workers)
                    await worker.CommitAllAsync();
                await OutageWorker.VerifyAsync(workers, setup);
                Assert.That(server.Terminate(TimeSpan.FromSeconds(30)), Is.Zero);
            }
            catch
            {
                TestContext.Out.WriteLine("dittofs output:\n" + server.Output);
                throw;
            }
            finally
            {
                foreach (var worker in workers)
                    await worker.DisposeAsync();
            }
        }
        using var restarted = DittoFsProcess.Start("--config", _config);
        await using var session = await NfsSession.MountAsync(restarted.Port);
        await OutageWorker.VerifyAsync(workers, session);
    }

    /// <summary>
    /// A truncation needs S3 (its blocks past the new end go); while S3 is away it is refused, and the size the
    /// metadata store recorded first is taken back, so the file still reads whole. Once S3 is back, the same
    /// truncation succeeds.
    /// </summary>
    [Test]
    public async Task A_truncate_refused_while_S3_is_away_leaves_the_size_as_it_was()
    {
        using var server = DittoFsProcess.Start("--config", _config);
        try
        {
            await using var session = await NfsSession.MountAsync(server.Port);
            var created = await session.CreateAsync(session.Root, "truncated");
            Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
            var file = NfsSession.Copy(created.Resok.Obj.Handle);
            var data = new byte[200 * 1024];
            new Random(5).NextBytes(data);
            Assert.That((await session.WriteAsync(file, 0, data, StableHow.FileSync)).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
            var before = (await session.Nfs.GetattrAsync(new Getattr3Args { Object = file })).Resok.ObjAttributes;

            _s3.Kill();
            var refused = await session.Nfs.SetattrAsync(new Setattr3Args { Object = file, NewAttributes = new Sattr3 { Size = new SetSize3 { SetIt = true, Size = 1000 } } });
            Assert.That(refused.Status, Is.AnyOf(Nfsstat3.Nfs3errJukebox, Nfsstat3.Nfs3errIo), "refused while S3 is away");
            Assert.That(await LogLineAsync(server, "warn: DittoFs.Storage.S3"), Does.Contain("bucket 'dittofs-outage'"), "the operator sees why in the log");
            var after = (await session.Nfs.GetattrAsync(new Getattr3Args { Object = file })).Resok.ObjAttributes;
            Assert.That((after.Size, after.Mtime, after.Ctime), Is.EqualTo((before.Size, before.Mtime, before.Ctime)), "the attributes are as before the truncate");

            _s3.Start();
            Assert.That(await WhileS3ReturnsAsync(() => session.ReadAllAsync(file)), Is.EqualTo(data), "the file reads whole");
            var truncated = await WhileS3ReturnsAsync(async () =>
            {
                var result = await session.Nfs.SetattrAsync(new Setattr3Args { Object = file, NewAttributes = new Sattr3 { Size = new SetSize3 { SetIt = true, Size = 1000 } } });
                return result.Status == Nfsstat3.Nfs3errJukebox ? throw new IOException("SETATTR: JUKEBOX") : result;
            });
            Assert.That(truncated.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
            Assert.That(await session.ReadAllAsync(file), Is.EqualTo(data[..1000]));
        }
        catch
        {
            TestContext.Out.WriteLine("dittofs output:\n" + server.Output);
            throw;
        }
    }

    /// <summary>
    /// /healthz through a start held up by S3 (s3rver frozen: the bucket check waits for it), while serving, and through
    /// a stop held up by a FILE_SYNC WRITE waiting for S3: 503, 200, 503. Each state lasts until the test thaws s3rver,
    /// so no timing decides what is seen.
    /// </summary>
    [Test]
    public async Task Healthz_is_503_while_starting_and_stopping_and_200_while_serving()
    {
        File.WriteAllText(_config, File.ReadAllText(_config).Replace($"request_timeout: {RequestTimeout.TotalSeconds}s", "request_timeout: 5m"));
        int metricsPort = DittoFsProcess.FreePort();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        _s3.Freeze();
        using var server = DittoFsProcess.Start(new DittoFsProcess.StartOptions(WaitUntilListening: false), DittoFsProcess.FreePort(),
            "--config", _config, "--metrics-port", metricsPort.ToString(), "--shutdown-timeout", "5m");
        try
        {
            Assert.That(await Healthz.WaitForAsync(http, "127.0.0.1", metricsPort, HttpStatusCode.ServiceUnavailable), Is.EqualTo("starting\n"), "starting: S3 does not answer");
            _s3.Thaw();
            Assert.That(await Healthz.WaitForAsync(http, "127.0.0.1", metricsPort, HttpStatusCode.OK), Is.EqualTo("serving\n"));

            await using var session = await NfsSession.MountAsync(server.Port, TimeSpan.FromMinutes(10));
            var created = await session.CreateAsync(session.Root, "held");
            Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
            _s3.Freeze();
            var write = session.WriteAsync(NfsSession.Copy(created.Resok.Obj.Handle), 0, new byte[1000], StableHow.FileSync).AsTask();
            for (int i = 0; (await MetricsEndpointTests.ScrapeAsync(metricsPort)).Sum("dittofs_rpc_in_flight_requests", "program=nfs") < 1; i++)
            {
                Assert.That(i, Is.LessThan(300), "the WRITE reaches the server and waits on S3");
                await Task.Delay(100);
            }
            var stopped = Task.Run(() => server.Terminate(TimeSpan.FromMinutes(10)));
            Assert.That(await Healthz.WaitForAsync(http, "127.0.0.1", metricsPort, HttpStatusCode.ServiceUnavailable), Is.EqualTo("stopping\n"), "stopping: the WRITE holds the stop");
            _s3.Thaw();
            Assert.That((await write).Status, Is.EqualTo(Nfsstat3.Nfs3Ok), "the stop let the running WRITE finish");
            Assert.That(await stopped, Is.Zero);
        }
        catch
        {
            _s3.Thaw();
            TestContext.Out.WriteLine("dittofs output:\n" + server.Output);
            throw;
        }
    }

    /// <summary>The first line of the server's output that contains <paramref name="text"/>, waited for at most 30 s.</summary>
    private static async Task<string> LogLineAsync(DittoFsProcess server, string text)
    {
        for (int i = 0; i < 300; i++)
        {
            if (server.Output.Split('\n').FirstOrDefault(line => line.Contains(text, StringComparison.Ordinal)) is { } line)
                return line;
            await Task.Delay(100);
        }
        Assert.Fail($"no log line with '{text}' within 30 s");
        return "";
    }

    /// <summary>
    /// <paramref name="call"/>, again while it fails with an I/O error, for at most <see cref="RecoveryBound"/>: the
    /// first calls after s3rver restarts may still find it starting (seen under load).
    /// </summary>
    private static async Task<T> WhileS3ReturnsAsync<T>(Func<Task<T>> call)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await call();
            }
            catch (IOException) when (waited.Elapsed < RecoveryBound)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>GETATTR and LOOKUP of the root every 50 ms on a connection of its own: calls that never touch S3.</summary>
    private static async Task<List<(TimeSpan At, TimeSpan Latency)>> ProbeMetadataAsync(NfsSession session, CancellationToken stop)
    {
        var probes = new List<(TimeSpan, TimeSpan)>();
        while (!stop.IsCancellationRequested)
        {
            var at = Phase.Now;
            var clock = Stopwatch.StartNew();
            var attributes = await session.Nfs.GetattrAsync(new Getattr3Args { Object = session.Root });
            var lookup = await session.LookupAsync(session.Root, "w0-0");
            clock.Stop();
            Assert.That((attributes.Status, lookup.Status), Is.EqualTo((Nfsstat3.Nfs3Ok, Nfsstat3.Nfs3Ok)));
            probes.Add((at, clock.Elapsed));
            try
            {
                await Task.Delay(50, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return probes;
    }

    public enum Fault
    {
        Killed,
        Frozen,
    }

    private static void Report(List<OutageWorker> workers, TimeSpan downAt, TimeSpan upAt, TimeSpan recovery)
    {
        var calls = workers.SelectMany(w => w.Calls).ToList();
        string Figures(IEnumerable<OutageWorker.Call> phase)
        {
            var list = phase.ToList();
            if (list.Count == 0)
                return "no calls";
            var byStatus = string.Join(", ", list.GroupBy(c => c.Status).Select(g => $"{g.Count()} {g.Key}"));
            var slowest = list.MaxBy(c => c.Latency);
            return $"{list.Count} calls ({byStatus}), latency max {slowest.Latency.TotalMilliseconds:F0} ms ({slowest.Procedure} answered {slowest.Status})";
        }
        TestContext.Out.WriteLine($"S3 up:   {Figures(calls.Where(c => c.At < downAt))}");
        TestContext.Out.WriteLine($"S3 away: {Figures(calls.Where(c => c.At >= downAt && c.At < upAt))}");
        TestContext.Out.WriteLine($"S3 back: {Figures(calls.Where(c => c.At >= upAt))}; every client succeeded again {recovery.TotalMilliseconds:F0} ms after s3rver was restarted");
    }
}
