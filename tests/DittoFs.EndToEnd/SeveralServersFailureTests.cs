using System.Diagnostics;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage.S3.Tests.Infrastructure;
using DittoFs.Tests;

namespace DittoFs.EndToEnd;

/// <summary>
/// Two real dittofs processes on one PostgreSQL + S3 namespace (as <see cref="SeveralServersTests"/>) when something
/// fails under a write load: one server is killed and its clients move to the other with the handles they have; the
/// database is stopped for a while and comes back. Each test has its own cluster, s3rver and servers.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SeveralServersFailureTests
{
    private const int WorkersPerServer = 4;
    // The servers' own bound on a database call: a statement (lock waits included) running longer answers Jukebox.
    private static readonly TimeSpan StatementTimeout = TimeSpan.FromSeconds(5);
    // A wide margin over that bound: a call may meet the database more than once (a WRITE prepares, then records).
    private static readonly TimeSpan CallBound = 3 * StatementTimeout;
    private static readonly TimeSpan Healthy = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(30);
    // A server that stopped renewing is taken over this long after its last renewal; its locks then wait Grace for reclaims.
    private static readonly TimeSpan LockLease = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private string _data = null!;
    private PostgresCluster _postgres = null!;
    private S3rverProcess _s3 = null!;
    private string _database = null!;
    private ConfiguredServer _a = null!;
    private ConfiguredServer _b = null!;

    [SetUp]
    public void StartServers()
    {
        _data = Directory.CreateTempSubdirectory("dittofs-several-failure-").FullName;
        try
        {
            _postgres = PostgresCluster.Start();
            _s3 = S3TestConfig.StartS3rver(_data);
            _database = _postgres.CreateDatabase();
            // Nothing serves port 9: the takeover's SM_NOTIFY to the lock test's client fails at once (the notice itself
            // is SeveralServersLockTakeoverTests' concern).
            string yaml = $"locks:\n  grace_period: {Grace.TotalSeconds}s\n  peer_portmap_port: 9\n"
                + SeveralServersTests.SharedConfiguration(_postgres, _database, _s3, "dittofs-failure", statementTimeout: $"{StatementTimeout.TotalSeconds}s",
                    lockLease: $"{LockLease.TotalSeconds}s");
            _a = ConfiguredServer.Start(yaml);
            _b = ConfiguredServer.Start(yaml);
        }
        catch
        {
            StopServers();
            throw;
        }
    }

    [TearDown]
    public void StopServers()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            TestContext.Out.WriteLine("server A output:\n" + _a?.Process.Output);
            TestContext.Out.WriteLine("server B output:\n" + _b?.Process.Output);
        }
        _b?.Dispose();
        _a?.Dispose();
        _s3?.Dispose();
        _postgres?.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    /// <summary>
    /// Server A is killed (SIGKILL) under FILE_SYNC and UNSTABLE+COMMIT writes; each client moves to B with the same
    /// handles. Everything acknowledged as stable through A reads back byte-identical through B; B's write verifier is
    /// not A's, so the clients know to send their uncommitted UNSTABLE writes again (RFC 1813 §3.3.7), and after they
    /// did and committed, the files read as every acknowledged write left them.
    /// </summary>
    [Test]
    public async Task Clients_of_a_killed_server_move_to_the_other_and_lose_nothing_acknowledged_as_stable()
    {
        var workers = new List<OutageWorker>();
        try
        {
            await using (var setup = await NfsSession.MountAsync(_a.Port))
            {
                for (int i = 0; i < WorkersPerServer; i++)
                    workers.Add(await OutageWorker.StartAsync(_a.Port, setup, i));
            }
            using var stop = new CancellationTokenSource();
            var running = workers.Select(w => w.RunAsync(stop.Token)).ToList();
            await Task.Delay(Healthy);
            Phase.Mark(workers, "server A killed");
            _a.Process.Kill();
            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.That(workers.All(w => w.ConnectionLost), "every client was writing through A when it died");
            var calls = workers.SelectMany(w => w.Calls).ToList();
            Assert.That(calls.Where(c => c.Status != Nfsstat3.Nfs3Ok), Is.Empty, "no errors before the kill");
            Assert.That(calls.Count(c => c.Procedure == "COMMIT"), Is.GreaterThan(0));
            Assert.That(calls.Count(c => c.Procedure == "WRITE FileSync"), Is.GreaterThan(0));

            // What was stable before the move, read through B before any client sent anything again.
            await using (var b = await NfsSession.MountAsync(_b.Port))
                await OutageWorker.VerifyAsync(workers, b);

            foreach (var worker in workers)
            {
                var (before, after) = await worker.MoveToAsync(_b.Port);
                Assert.That(after, Is.Not.EqualTo(before), "B's write verifier differs from A's, so clients resend uncommitted data");
            }
            await using (var b = await NfsSession.MountAsync(_b.Port))
                await OutageWorker.VerifyAsync(workers, b);
            TestContext.Out.WriteLine($"{calls.Count} calls through A before the kill; {workers.Sum(w => w.Files.Sum(f => f.SureBytes))} bytes stable after the move");
        }
        finally
        {
            foreach (var worker in workers)
                await worker.DisposeAsync();
        }
    }

    /// <summary>
    /// A lock taken through A denies B's; A is killed (no unlock, no goodbye): B takes A's locks over once A's lease
    /// lapsed and keeps them for the grace period; its owner never reclaims it, so after that B grants it.
    /// </summary>
    [Test]
    public async Task A_lock_held_through_a_killed_server_and_not_reclaimed_is_free_on_the_other_after_the_lease_and_the_grace()
    {
        byte[] file = await NlmCalls.CreateFileAsync(_a.Port);
        await using var rpcB = await RpcClient.ConnectAsync("127.0.0.1", _b.Port, NlmCalls.Options);
        var b = new NlmV4Client(rpcB);
        await using (var rpcA = await RpcClient.ConnectAsync("127.0.0.1", _a.Port, NlmCalls.Options))
            Assert.That(await NlmCalls.LockAsync(new NlmV4Client(rpcA), NlmCalls.Lock(file, "host-a", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await NlmCalls.LockAsync(b, NlmCalls.Lock(file, "host-b", 2, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Denied));

        _a.Process.Kill();

        // The lease and the grace plus a wide margin for a loaded machine.
        await NlmCalls.PollAsync(async () => await NlmCalls.LockAsync(b, NlmCalls.Lock(file, "host-b", 2, 0, 0)) == Nlm4Stats.Nlm4Granted,
            LockLease + Grace + TimeSpan.FromSeconds(30), "B grants the lock of the killed server's client");
    }

    /// <summary>
    /// PostgreSQL is stopped for 10 s while clients of both servers write: every call is answered (OK or
    /// NFS3ERR_JUKEBOX) within a wide margin of the servers' statement timeout, each server logs a line naming the
    /// database, and once the database is back the same clients on both servers carry on, with no server restarted,
    /// and nothing acknowledged as stable is lost.
    /// </summary>
    [Test]
    public async Task Calls_through_both_servers_answer_JUKEBOX_while_PostgreSQL_is_stopped_and_carry_on_when_it_is_back()
    {
        var workers = new List<OutageWorker>();
        try
        {
            await using (var setup = await NfsSession.MountAsync(_a.Port))
            {
                for (int i = 0; i < 2 * WorkersPerServer; i++)
                    workers.Add(await OutageWorker.StartAsync(i < WorkersPerServer ? _a.Port : _b.Port, setup, i));
            }
            var throughA = workers.Take(WorkersPerServer).ToList();
            var throughB = workers.Skip(WorkersPerServer).ToList();
            using var stop = new CancellationTokenSource();
            var running = workers.Select(w => w.RunAsync(stop.Token)).ToList();

            await Task.Delay(Healthy);
            var downAt = Phase.Mark(workers, "PostgreSQL stopped");
            _postgres.StopServer();
            await Task.Delay(Outage);
            var upAt = Phase.Mark(workers, "PostgreSQL started");
            _postgres.StartServer();
            var recovery = Stopwatch.StartNew();
            while (!workers.All(w => w.SucceededSince(upAt)) && recovery.Elapsed < RecoveryBound)
                await Task.Delay(100);
            recovery.Stop();
            await Task.Delay(TimeSpan.FromSeconds(1));
            stop.Cancel();
            await Task.WhenAll(running);

            var calls = workers.SelectMany(w => w.Calls).ToList();
            TestContext.Out.WriteLine($"{calls.Count} calls; while PostgreSQL was away: " +
                string.Join(", ", calls.Where(c => c.At >= downAt && c.At < upAt).GroupBy(c => c.Status).Select(g => $"{g.Count()} {g.Key}")) +
                $"; slowest call {calls.Max(c => c.Latency).TotalMilliseconds:F0} ms; every client succeeded again {recovery.Elapsed.TotalMilliseconds:F0} ms after the start");
            Assert.That(workers.Any(w => w.ConnectionLost), Is.False, "no connection broke");
            Assert.That(calls.Where(c => c.At + c.Latency < downAt).Where(c => c.Status != Nfsstat3.Nfs3Ok), Is.Empty, "no errors while PostgreSQL is up");
            Assert.That(calls.Select(c => c.Status).Distinct(), Is.SubsetOf(new[] { Nfsstat3.Nfs3Ok, Nfsstat3.Nfs3errJukebox }));
            foreach (var (name, group) in new[] { ("A", throughA), ("B", throughB) })
                Assert.That(group.SelectMany(w => w.Calls).Count(c => c.At >= downAt && c.At < upAt && c.Status == Nfsstat3.Nfs3errJukebox), Is.GreaterThan(0), $"server {name} answered JUKEBOX");
            Assert.That(calls.Max(c => c.Latency), Is.LessThan(CallBound), "no call hangs: each is answered within three statement timeouts");
            Assert.That(workers.All(w => w.SucceededSince(upAt)), $"every client of both servers carries on within {RecoveryBound} of PostgreSQL's return");
            foreach (var server in new[] { _a, _b })
                Assert.That(server.Process.Output, Does.Contain($"PostgreSQL database '{_database}' at 127.0.0.1:{_postgres.Port} is unavailable")
                    .And.Contain($"PostgreSQL database '{_database}' at 127.0.0.1:{_postgres.Port} answers again"));

            foreach (var worker in workers)
                await worker.CommitAllAsync();
            foreach (var server in new[] { _a, _b })
            {
                await using var session = await NfsSession.MountAsync(server.Port);
                await OutageWorker.VerifyAsync(workers, session);
            }
        }
        finally
        {
            foreach (var worker in workers)
                await worker.DisposeAsync();
        }
    }
}
