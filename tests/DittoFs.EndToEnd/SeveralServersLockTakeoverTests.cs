using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage.S3.Tests.Infrastructure;
using DittoFs.Tests;

namespace DittoFs.EndToEnd;

/// <summary>
/// Two real dittofs processes on one PostgreSQL + S3 namespace (as <see cref="SeveralServersTests"/>), both named
/// <c>ditto-cluster</c> to their clients (locks.host_name, as behind one load-balanced name), and a client host played
/// by the test (<see cref="PeerLockManager"/>: its status monitor takes SM_NOTIFY). A server killed with SIGKILL never
/// tells its clients anything: the survivor takes its locks over and does.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SeveralServersLockTakeoverTests
{
    // A killed server's row lapses this long after its last renewal; the survivor renews (and takes over) every third of it.
    private static readonly TimeSpan LockLease = TimeSpan.FromSeconds(5);
    // How long the kept locks wait for reclaims: wide, so that a loaded machine still reclaims in time.
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);
    // The lease, the takeover's renewal, and SM_NOTIFY's first try, with a wide margin for a loaded machine.
    private static readonly TimeSpan NoticeBound = LockLease + TimeSpan.FromSeconds(40);

    private string _data = null!;
    private PostgresCluster _postgres = null!;
    private S3rverProcess _s3 = null!;
    private PeerLockManager _client = null!;
    private ConfiguredServer _a = null!;
    private ConfiguredServer _b = null!;
    private string _yaml = null!;

    [SetUp]
    public async Task StartServersAsync()
    {
        _data = Directory.CreateTempSubdirectory("dittofs-takeover-").FullName;
        try
        {
            _postgres = PostgresCluster.Start();
            _s3 = S3TestConfig.StartS3rver(_data);
            _client = await PeerLockManager.StartAsync();
            _yaml = $"""
                locks:
                  grace_period: {Grace.TotalSeconds}s
                  state_dir: "{"{data}"}/nsm"
                  host_name: ditto-cluster
                  peer_portmap_port: {_client.PortmapPort}

                """ + SeveralServersTests.SharedConfiguration(_postgres, _postgres.CreateDatabase(), _s3, "dittofs-takeover", lockLease: $"{LockLease.TotalSeconds}s");
            _a = ConfiguredServer.Start(_yaml);
            _b = ConfiguredServer.Start(_yaml);
        }
        catch
        {
            await StopServersAsync();
            throw;
        }
    }

    [TearDown]
    public async Task StopServersAsync()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            TestContext.Out.WriteLine("server A output:\n" + _a?.Process.Output);
            TestContext.Out.WriteLine("server B output:\n" + _b?.Process.Output);
        }
        _b?.Dispose();
        _a?.Dispose();
        if (_client is not null)
            await _client.DisposeAsync();
        _s3?.Dispose();
        _postgres?.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    /// <summary>
    /// A client locks through A; A is killed. B takes A's locks over: the lock keeps refusing another client, B sends
    /// the client SM_NOTIFY in the name the client monitors (ditto-cluster) with a new odd state, the client reclaims
    /// through B, and the other client's lock is refused until the first one unlocks through B. A server starting
    /// afterwards under that name (here with a fresh state directory) starts above the state the notice carried.
    /// </summary>
    [Test]
    public async Task A_lock_granted_through_a_killed_server_survives_and_is_reclaimed_through_the_other()
    {
        byte[] file = await NlmCalls.CreateFileAsync(_a.Port);
        var holder = NlmCalls.Lock(file, "host-a", 1, 0, 100);
        var other = NlmCalls.Lock(file, "host-b", 2, 50, 10);
        await using var rpcB = await RpcClient.ConnectAsync("127.0.0.1", _b.Port, NlmCalls.Options);
        var b = new NlmV4Client(rpcB);
        await using (var rpcA = await RpcClient.ConnectAsync("127.0.0.1", _a.Port, NlmCalls.Options))
            Assert.That(await NlmCalls.LockAsync(new NlmV4Client(rpcA), holder), Is.EqualTo(Nlm4Stats.Nlm4Granted));

        _a.Process.Kill();

        var notice = await _client.NextNoticeAsync(NoticeBound);
        Assert.That((notice.MonName, notice.State % 2), Is.EqualTo(("ditto-cluster", 1)), "in the name the client monitors, with an odd (up) state");
        Assert.That(await NlmCalls.LockAsync(b, other), Is.EqualTo(Nlm4Stats.Nlm4Denied), "the lock outlived its server");
        Assert.That(await NlmCalls.LockAsync(b, NlmCalls.Lock(file, "host-b", 2, 100, 10)), Is.EqualTo(Nlm4Stats.Nlm4Granted), "the rest of the file is not in grace");

        Assert.That(await NlmCalls.LockAsync(b, holder, reclaim: true), Is.EqualTo(Nlm4Stats.Nlm4Granted), "the reclaim through B");
        Assert.That(await NlmCalls.LockAsync(b, other), Is.EqualTo(Nlm4Stats.Nlm4Denied), "held through B now");
        var test = await NlmCalls.TestAsync(b, other);
        Assert.That((test.Stat, test.Holder.Svid, test.Holder.LOffset, test.Holder.LLen), Is.EqualTo((Nlm4Stats.Nlm4Denied, 1, 0UL, 100UL)));

        Assert.That(await NlmCalls.UnlockAsync(b, holder), Is.EqualTo(Nlm4Stats.Nlm4Granted));

        Assert.That(await NlmCalls.LockAsync(b, other), Is.EqualTo(Nlm4Stats.Nlm4Granted), "free once its owner unlocked, long before the grace ends");
        Assert.That(_b.Process.Output, Does.Contain("took it over").And.Contain("SM_NOTIFY (ditto-cluster, state"));

        using var again = ConfiguredServer.Start(_yaml);
        await using var rpc = await RpcClient.ConnectAsync("127.0.0.1", again.Port, NlmCalls.Options);
        var stat = await new SmV1Client(rpc).StatAsync(new SmName { MonName = "127.0.0.1"u8.ToArray() }).AsTask().WaitAsync(NlmCalls.Timeout);
        Assert.That(stat.State, Is.GreaterThan(notice.State), "clients never see a state under ditto-cluster twice");
    }
}
