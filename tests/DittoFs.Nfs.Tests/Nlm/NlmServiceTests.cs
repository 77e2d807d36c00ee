using System.Net;
using System.Text;
using DittoFs.Nfs.Nlm;
using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Vfs.Locks;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Nfs.Tests.Nlm;

/// <summary>
/// The NLM adapter over a real share with in-memory stores: each procedure's mapping onto the share's lock table,
/// versions 1/3 (32-bit) onto the same table, export rules, grace, monitoring and the calls back to clients, which
/// a recording dialer stands in for.
/// </summary>
[TestFixture]
public sealed class NlmServiceTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(10);
    private static readonly IPEndPoint HostA = new(IPAddress.Parse("192.0.2.10"), 700);
    private static readonly IPEndPoint HostB = new(IPAddress.Parse("192.0.2.20"), 700);

    private TestServer _server = null!;
    private ShareTable _shares = null!;
    private RecordingHostMonitor _monitor = null!;
    private RecordingPeerDialer _peers = null!;
    private NlmService _nlm = null!;
    private NlmLegacyService _legacy = null!;
    private byte[] _file = null!;
    private ManualClock _clock = null!;
    private LockGracePeriod _grace = null!;

    private async Task StartAsync(ExportOptions? export = null, int grantedAttempts = 3)
    {
        _clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _grace = new LockGracePeriod(_clock);
        _server = await TestServer.StartAsync(locks: new MemoryLockTable(grace: _grace));
        _file = (await _server.CreateFileAsync(_server.Root, "locked")).Data.ToArray();
        // The same share under the export rules of the test (read-only, restricted): set up the file first.
        _shares = export is null ? _server.Shares : new ShareTable(new Share(TestServer.ExportPath, _server.Share.FileSystem, export));
        _monitor = new RecordingHostMonitor();
        _peers = new RecordingPeerDialer();
        var callbacks = new NlmCallbacks(_peers, new NlmCallbackOptions { GrantedAttempts = grantedAttempts, FirstBackoff = TimeSpan.Zero, ServerName = "ditto" },
            NullLogger.Instance);
        _nlm = new NlmService(_shares, _monitor, callbacks, NullLogger<NlmService>.Instance);
        _legacy = new NlmLegacyService(_nlm);
    }

    [TearDown]
    public void TearDown() => _nlm?.Dispose();

    private ILockTable Table => _server.Share.FileSystem.Locks;

    private static RpcCallContext From(IPEndPoint host, uint version = 4) => new()
    {
        Client = host,
        AuthFlavor = 1,
        Version = version,
        Program = NlmV4Program.Program,
        MachineName = "client"u8.ToArray(),
    };

    private Nlm4Lock Lock(string caller, int svid, ulong offset, ulong length, byte[]? fh = null) => new()
    {
        CallerName = Encoding.UTF8.GetBytes(caller),
        Fh = fh ?? _file,
        Oh = Encoding.UTF8.GetBytes($"oh-{caller}-{svid}"),
        Svid = svid,
        LOffset = offset,
        LLen = length,
    };

    private async Task<Nlm4Stats> LockAsync(IPEndPoint from, Nlm4Lock alock, bool exclusive = true, bool block = false, bool reclaim = false) =>
        (await _nlm.LockAsync(new Nlm4Lockargs { Cookie = "c"u8.ToArray(), Alock = alock, Exclusive = exclusive, Block = block, Reclaim = reclaim }, From(from))).Stat.Stat;

    private async Task<Nlm4Testrply> TestAsync(IPEndPoint from, Nlm4Lock alock, bool exclusive = true) =>
        (await _nlm.TestAsync(new Nlm4Testargs { Cookie = "t"u8.ToArray(), Alock = alock, Exclusive = exclusive }, From(from))).Stat;

    private async Task<Nlm4Stats> UnlockAsync(IPEndPoint from, Nlm4Lock alock) =>
        (await _nlm.UnlockAsync(new Nlm4Unlockargs { Cookie = "u"u8.ToArray(), Alock = alock }, From(from))).Stat.Stat;

    [Test]
    public async Task ExclusiveLockDeniesAnotherOwnerAndTestNamesTheHolder()
    {
        await StartAsync();
        Assert.That(await LockAsync(HostA, Lock("a", 11, 100, 50)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockAsync(HostB, Lock("b", 22, 120, 10)), Is.EqualTo(Nlm4Stats.Nlm4Denied));
        Assert.That(await LockAsync(HostB, Lock("b", 22, 120, 10), exclusive: false), Is.EqualTo(Nlm4Stats.Nlm4Denied));
        var test = await TestAsync(HostB, Lock("b", 22, 0, 0), exclusive: false);
        Assert.That(test.Stat, Is.EqualTo(Nlm4Stats.Nlm4Denied));
        Assert.That((test.Holder.Exclusive, test.Holder.Svid, Encoding.UTF8.GetString(test.Holder.Oh.Span), test.Holder.LOffset, test.Holder.LLen),
            Is.EqualTo((true, 11, "oh-a-11", 100UL, 50UL)));
        Assert.That((await TestAsync(HostB, Lock("b", 22, 150, 10))).Stat, Is.EqualTo(Nlm4Stats.Nlm4Granted), "past the held range");
        Assert.That((await TestAsync(HostA, Lock("a", 11, 0, 0))).Stat, Is.EqualTo(Nlm4Stats.Nlm4Granted), "the holder's own lock does not conflict");
        Assert.That(await LockAsync(HostB, Lock("b", 22, 150, 10)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(_nlm.Granted, Is.EqualTo(2));
        Assert.That(_nlm.Denied, Is.EqualTo(2));
    }

    [Test]
    public async Task SharedLocksCoexistAndAnOwnerUpgradesInPlace()
    {
        await StartAsync();
        Assert.That(await LockAsync(HostA, Lock("a", 1, 0, 10), exclusive: false), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockAsync(HostB, Lock("b", 2, 5, 10), exclusive: false), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockAsync(HostA, Lock("a", 1, 0, 10)), Is.EqualTo(Nlm4Stats.Nlm4Denied), "no upgrade over another's shared lock");
        Assert.That(await UnlockAsync(HostB, Lock("b", 2, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockAsync(HostA, Lock("a", 1, 0, 10)), Is.EqualTo(Nlm4Stats.Nlm4Granted), "upgrade");
        Assert.That(await LockAsync(HostB, Lock("b", 2, 5, 1), exclusive: false), Is.EqualTo(Nlm4Stats.Nlm4Denied));
    }

    [Test]
    public async Task PartialUnlockSplitsTheRange()
    {
        await StartAsync();
        Assert.That(await LockAsync(HostA, Lock("a", 1, 0, 100)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await UnlockAsync(HostA, Lock("a", 1, 40, 20)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(Table.HeldRanges, Is.EqualTo(2));
        Assert.That(await LockAsync(HostB, Lock("b", 2, 40, 20)), Is.EqualTo(Nlm4Stats.Nlm4Granted), "the hole");
        var left = await TestAsync(HostB, Lock("b", 3, 0, 41));
        Assert.That((left.Stat, left.Holder.LOffset, left.Holder.LLen), Is.EqualTo((Nlm4Stats.Nlm4Denied, 0UL, 40UL)));
        var right = await TestAsync(HostB, Lock("b", 3, 99, 5));
        Assert.That((right.Stat, right.Holder.LOffset, right.Holder.LLen), Is.EqualTo((Nlm4Stats.Nlm4Denied, 60UL, 40UL)));
    }

    [Test]
    public async Task UnlockOfNothingIsGranted()
    {
        await StartAsync();
        Assert.That(await UnlockAsync(HostA, Lock("nobody", 9, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
    }

    [Test]
    public async Task BlockedLockIsGrantedByCallbackWhenTheHolderUnlocks()
    {
        await StartAsync();
        Assert.That(await LockAsync(HostA, Lock("a", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockAsync(HostB, Lock("b", 2, 10, 5), block: true), Is.EqualTo(Nlm4Stats.Nlm4Blocked));
        Assert.That(Table.Waiters, Is.EqualTo(1));
        Assert.That(_peers.Calls, Is.Empty, "nothing is sent while blocked");

        Assert.That(await UnlockAsync(HostA, Lock("a", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        await _nlm.Callbacks.WhenIdleAsync().WaitAsync(Bounded);

        var call = _peers.Calls.Single();
        Assert.That((call.Host, call.Version, call.Procedure), Is.EqualTo((HostB.Address, 4u, (uint)NlmV4Procedure.Granted)));
        var granted = call.Decode<Nlm4Testargs>();
        Assert.That((granted.Exclusive, granted.Alock.Svid, granted.Alock.LOffset, granted.Alock.LLen), Is.EqualTo((true, 2, 10UL, 5UL)));
        Assert.That(granted.Alock.Fh.ToArray(), Is.EqualTo(_file));
        Assert.That(Encoding.UTF8.GetString(granted.Alock.Oh.Span), Is.EqualTo("oh-b-2"));
        Assert.That(_nlm.Callbacks.GrantedDelivered, Is.EqualTo(1));
        var holder = await TestAsync(HostA, Lock("a", 1, 0, 0));
        Assert.That((holder.Stat, holder.Holder.Svid), Is.EqualTo((Nlm4Stats.Nlm4Denied, 2)), "b holds it now");
    }

    [Test]
    public async Task GrantRefusedByTheClientIsReleased()
    {
        await StartAsync();
        _peers.GrantedAnswer = Nlm4Stats.Nlm4Denied;
        await LockAsync(HostA, Lock("a", 1, 0, 0));
        Assert.That(await LockAsync(HostB, Lock("b", 2, 0, 0), block: true), Is.EqualTo(Nlm4Stats.Nlm4Blocked));
        await UnlockAsync(HostA, Lock("a", 1, 0, 0));
        await _nlm.Callbacks.WhenIdleAsync().WaitAsync(Bounded);
        Assert.That(_peers.Calls, Has.Count.EqualTo(1));
        Assert.That(Table.HeldRanges, Is.Zero);
        Assert.That(_nlm.Callbacks.GrantsReleased, Is.EqualTo(1));
    }

    [Test]
    public async Task GrantToAnUnreachableClientIsGivenUpAfterBoundedTries()
    {
        await StartAsync(grantedAttempts: 3);
        _peers.FailuresBeforeSuccess = int.MaxValue;
        await LockAsync(HostA, Lock("a", 1, 0, 0));
        await LockAsync(HostB, Lock("b", 2, 0, 0), block: true);
        await UnlockAsync(HostA, Lock("a", 1, 0, 0));
        await _nlm.Callbacks.WhenIdleAsync().WaitAsync(Bounded);
        Assert.That(_peers.Attempts, Is.EqualTo(3));
        Assert.That(Table.HeldRanges, Is.Zero, "released, not held by a client that never learnt of it");
    }

    [TestCase(false, TestName = "AGrantTheClientConfirmedByResendingItsLockIsKeptWhenItCannotBeTold")]
    [TestCase(true, TestName = "AGrantTheClientConfirmedByResendingItsLockIsKeptWhenItsGrantedIsRefused")]
    public async Task AGrantTheClientConfirmedByResendingItsLockIsKept(bool reachable)
    {
        await StartAsync(grantedAttempts: 3);
        _peers.FailuresBeforeSuccess = reachable ? 0 : int.MaxValue;
        _peers.GrantedAnswer = Nlm4Stats.Nlm4Denied; // a client's lock manager waiting for no such lock
        var hold = new TaskCompletionSource();
        _peers.Hold = hold;
        await LockAsync(HostA, Lock("a", 1, 0, 0));
        Assert.That(await LockAsync(HostB, Lock("b", 2, 0, 10), block: true), Is.EqualTo(Nlm4Stats.Nlm4Blocked));
        await UnlockAsync(HostA, Lock("a", 1, 0, 0));
        await _peers.Holding.Task.WaitAsync(Bounded); // the GRANTED is under way

        Assert.That(await LockAsync(HostB, Lock("b", 2, 0, 10), block: true), Is.EqualTo(Nlm4Stats.Nlm4Granted), "the client asks again");
        hold.SetResult();
        await _nlm.Callbacks.WhenIdleAsync().WaitAsync(Bounded);

        Assert.That(_peers.Attempts, Is.EqualTo(1), "no GRANTED after the confirmation");
        Assert.That((await TestAsync(HostA, Lock("a", 1, 0, 0))).Holder.Svid, Is.EqualTo(2), "the client keeps the lock it was told it holds");
        Assert.That(_nlm.Callbacks.GrantsReleased, Is.Zero);
    }

    [Test]
    public async Task AGrantIsNotConfirmedByAnotherLockOfTheSameOwner()
    {
        await StartAsync(grantedAttempts: 2);
        _peers.FailuresBeforeSuccess = int.MaxValue;
        var hold = new TaskCompletionSource();
        _peers.Hold = hold;
        await LockAsync(HostA, Lock("a", 1, 0, 0));
        await LockAsync(HostB, Lock("b", 2, 0, 10), block: true);
        await UnlockAsync(HostA, Lock("a", 1, 0, 0));
        await _peers.Holding.Task.WaitAsync(Bounded);
        Assert.That(await LockAsync(HostB, Lock("b", 2, 100, 10)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        hold.SetResult();
        await _nlm.Callbacks.WhenIdleAsync().WaitAsync(Bounded);
        Assert.That(_nlm.Callbacks.GrantsReleased, Is.EqualTo(1));
        Assert.That((await TestAsync(HostA, Lock("a", 1, 0, 10))).Stat, Is.EqualTo(Nlm4Stats.Nlm4Granted), "the unconfirmed grant was given up");
    }

    [Test]
    public async Task GrantSurvivesTransientFailures()
    {
        await StartAsync(grantedAttempts: 3);
        _peers.FailuresBeforeSuccess = 2;
        await LockAsync(HostA, Lock("a", 1, 0, 0));
        await LockAsync(HostB, Lock("b", 2, 0, 0), block: true);
        await UnlockAsync(HostA, Lock("a", 1, 0, 0));
        await _nlm.Callbacks.WhenIdleAsync().WaitAsync(Bounded);
        Assert.That(_peers.Calls, Has.Count.EqualTo(1));
        Assert.That(Table.HeldRanges, Is.EqualTo(1));
    }

    [Test]
    public async Task CancelRemovesTheWaiter()
    {
        await StartAsync();
        await LockAsync(HostA, Lock("a", 1, 0, 0));
        await LockAsync(HostB, Lock("b", 2, 0, 10), block: true);
        var cancel = await _nlm.CancelAsync(new Nlm4Cancargs { Cookie = "x"u8.ToArray(), Block = true, Exclusive = true, Alock = Lock("b", 2, 0, 10) }, From(HostB));
        Assert.That(cancel.Stat.Stat, Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(Table.Waiters, Is.Zero);
        await UnlockAsync(HostA, Lock("a", 1, 0, 0));
        await _nlm.Callbacks.WhenIdleAsync().WaitAsync(Bounded);
        Assert.That(_peers.Calls, Is.Empty);
    }

    [Test]
    public async Task BadHandleIsStaleInV4AndNoLocksInV3()
    {
        await StartAsync();
        var bogus = new byte[] { 9, 9, 9 };
        Assert.That(await LockAsync(HostA, Lock("a", 1, 0, 0, bogus)), Is.EqualTo(Nlm4Stats.Nlm4StaleFh));
        Assert.That((await TestAsync(HostA, Lock("a", 1, 0, 0, bogus))).Stat, Is.EqualTo(Nlm4Stats.Nlm4StaleFh));
        Assert.That(await UnlockAsync(HostA, Lock("a", 1, 0, 0, bogus)), Is.EqualTo(Nlm4Stats.Nlm4StaleFh));
        var v3 = await _legacy.LockAsync(new NlmLockargs { Cookie = "c"u8.ToArray(), Exclusive = true, Alock = Narrow(Lock("a", 1, 0, 0, bogus)) }, From(HostA, 3));
        Assert.That(v3.Stat.Stat, Is.EqualTo(NlmStats.LckDeniedNolocks));
    }

    [Test]
    public async Task RemovedFileIsStale()
    {
        await StartAsync();
        var removed = await _server.Nfs.RemoveAsync(new Remove3Args { Object = TestServer.Where(_server.Root, "locked") }, Callers.Root());
        Assert.That(removed.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(await LockAsync(HostA, Lock("a", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4StaleFh));
    }

    [Test]
    public async Task RangePastSixtyFourBitsIsFbig()
    {
        await StartAsync();
        Assert.That(await LockAsync(HostA, Lock("a", 1, ulong.MaxValue - 5, 10)), Is.EqualTo(Nlm4Stats.Nlm4Fbig));
        Assert.That(await LockAsync(HostA, Lock("a", 1, ulong.MaxValue - 9, 10)), Is.EqualTo(Nlm4Stats.Nlm4Granted), "last byte exactly 2^64-1");
    }

    [Test]
    public async Task GracePeriodAdmitsOnlyReclaimsAndLateReclaimsAreDenied()
    {
        await StartAsync();
        _grace.Begin(TimeSpan.FromSeconds(45));
        Assert.That(await LockAsync(HostA, Lock("a", 1, 0, 10)), Is.EqualTo(Nlm4Stats.Nlm4DeniedGracePeriod));
        Assert.That((await TestAsync(HostA, Lock("a", 1, 0, 10))).Stat, Is.EqualTo(Nlm4Stats.Nlm4DeniedGracePeriod));
        Assert.That(await LockAsync(HostA, Lock("a", 1, 0, 10), reclaim: true), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        _clock.Now += TimeSpan.FromSeconds(46);
        Assert.That(await LockAsync(HostB, Lock("b", 2, 20, 10), reclaim: true), Is.EqualTo(Nlm4Stats.Nlm4Denied));
        Assert.That(await LockAsync(HostB, Lock("b", 2, 20, 10)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        var v3 = await _legacy.LockAsync(new NlmLockargs { Cookie = "c"u8.ToArray(), Exclusive = true, Alock = Narrow(Lock("c", 3, 40, 1)) }, From(HostA, 3));
        Assert.That(v3.Stat.Stat, Is.EqualTo(NlmStats.LckGranted));
    }

    [Test]
    public async Task GracePeriodInV3IsDeniedGracePeriod()
    {
        await StartAsync();
        _grace.Begin(TimeSpan.FromSeconds(45));
        var v3 = await _legacy.LockAsync(new NlmLockargs { Cookie = "c"u8.ToArray(), Exclusive = true, Alock = Narrow(Lock("c", 3, 40, 1)) }, From(HostA, 3));
        Assert.That(v3.Stat.Stat, Is.EqualTo(NlmStats.LckDeniedGracePeriod));
    }

    [Test]
    public async Task ReadOnlyShareRefusesExclusiveLocksOnly()
    {
        await StartAsync(new ExportOptions { RootSquash = false, ReadOnly = true });
        Assert.That(await LockAsync(HostA, Lock("a", 1, 0, 10)), Is.EqualTo(Nlm4Stats.Nlm4Rofs));
        Assert.That(await LockAsync(HostA, Lock("a", 1, 0, 10), exclusive: false), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        var v3 = await _legacy.LockAsync(new NlmLockargs { Cookie = "c"u8.ToArray(), Exclusive = true, Alock = Narrow(Lock("b", 3, 40, 1)) }, From(HostB, 3));
        Assert.That(v3.Stat.Stat, Is.EqualTo(NlmStats.LckDeniedNolocks));
        var share = await _nlm.ShareAsync(Share("a", Fsh4Access.Fsa4Rw, Fsh4Mode.Fsm4Dn), From(HostA));
        Assert.That(share.Stat, Is.EqualTo(Nlm4Stats.Nlm4Rofs));
    }

    [Test]
    public async Task ShareThatDoesNotAdmitTheClientFails()
    {
        await StartAsync(new ExportOptions { RootSquash = false, AllowedClients = [IPNetwork.Parse("192.0.2.16/28")] });
        Assert.That(await LockAsync(HostA, Lock("a", 1, 0, 10)), Is.EqualTo(Nlm4Stats.Nlm4Failed), "192.0.2.10 is outside");
        Assert.That(await LockAsync(HostB, Lock("b", 1, 0, 10)), Is.EqualTo(Nlm4Stats.Nlm4Granted), "192.0.2.20 is inside");
        var none = From(HostB);
        none.AuthFlavor = 0;
        var restricted = await _nlm.LockAsync(new Nlm4Lockargs { Cookie = "c"u8.ToArray(), Alock = Lock("b", 2, 20, 1) }, none);
        Assert.That(restricted.Stat.Stat, Is.EqualTo(Nlm4Stats.Nlm4Granted), "AUTH_NONE is allowed by default");
    }

    [Test]
    public async Task FirstLockMonitorsTheHostOnceAndNmLockDoesNot()
    {
        await StartAsync();
        var nm = await _nlm.NmLockAsync(new Nlm4Lockargs { Cookie = "c"u8.ToArray(), Exclusive = true, Alock = Lock("quiet", 1, 0, 1) }, From(HostB));
        Assert.That(nm.Stat.Stat, Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(_monitor.Monitored, Is.Empty);
        await LockAsync(HostA, Lock("a", 1, 10, 1));
        await LockAsync(HostA, Lock("a", 2, 20, 1));
        Assert.That(_monitor.Monitored.ToArray(), Is.EqualTo(new[] { ("a", HostA.Address) }));
    }

    [Test]
    public async Task LockIsRefusedWhenTheMonitorCannotWatchTheHost()
    {
        await StartAsync();
        _monitor.Fail = true;
        Assert.That(await LockAsync(HostA, Lock("a", 1, 0, 1)), Is.EqualTo(Nlm4Stats.Nlm4DeniedNolocks));
        Assert.That(Table.HeldRanges, Is.Zero);
        _monitor.Fail = false;
        Assert.That(await LockAsync(HostA, Lock("a", 1, 0, 1)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
    }

    [Test]
    public async Task AFullMonitorListMakesRoomByUnmonitoringHostsThatHoldNothing()
    {
        await StartAsync();
        _monitor.Capacity = 3;
        Assert.That(await LockAsync(HostA, Lock("holder", 1, 0, 1)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockAsync(HostB, Lock("holder", 2, 0, 1), block: true), Is.EqualTo(Nlm4Stats.Nlm4Blocked)); // same host name: its own lock
        Assert.That(await LockAsync(HostB, Lock("waiter", 1, 0, 1), block: true), Is.EqualTo(Nlm4Stats.Nlm4Blocked));
        Assert.That(await LockAsync(HostB, Lock("idle", 1, 10, 1)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await UnlockAsync(HostB, Lock("idle", 1, 10, 1)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(_monitor.Watched, Is.EqualTo(new[] { "holder", "idle", "waiter" }));

        // Full: the host holding nothing makes room; the holder and the host with a queued request keep theirs.
        Assert.That(await LockAsync(HostA, Lock("newcomer", 1, 20, 1)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(_monitor.Unmonitored.ToArray(), Is.EqualTo(new[] { "idle" }));
        Assert.That(_monitor.Watched, Is.EqualTo(new[] { "holder", "newcomer", "waiter" }));

        // Everyone holds something now: a further host is refused, and nobody is unmonitored for it.
        Assert.That(await LockAsync(HostA, Lock("late", 1, 30, 1)), Is.EqualTo(Nlm4Stats.Nlm4DeniedNolocks));
        Assert.That(_monitor.Unmonitored.ToArray(), Is.EqualTo(new[] { "idle" }));

        // The unmonitored host is monitored again when it locks again (room made by another idle host).
        Assert.That(await UnlockAsync(HostA, Lock("newcomer", 1, 20, 1)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockAsync(HostB, Lock("idle", 1, 10, 1)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(_monitor.Watched, Is.EqualTo(new[] { "holder", "idle", "waiter" }));

        // Those still watched still have their locks freed by a reboot notice.
        _monitor.Reboot("holder", 9);
        await _nlm.Callbacks.WhenIdleAsync().WaitAsync(Bounded);
        Assert.That((await TestAsync(HostA, Lock("tester", 1, 0, 1))).Holder.Svid, Is.EqualTo(1), "the waiter holds it now");
    }

    [Test]
    public async Task HostRebootReleasesItsLocksAndGrantsTheWaiters()
    {
        await StartAsync();
        await LockAsync(HostA, Lock("a", 1, 0, 0));
        await LockAsync(HostA, Lock("a", 7, 0, 0, fh: null), exclusive: true); // another process of a: denied, holds nothing
        Assert.That(await LockAsync(HostB, Lock("b", 2, 0, 0), block: true), Is.EqualTo(Nlm4Stats.Nlm4Blocked));
        _monitor.Reboot("a", 5);
        await _nlm.Callbacks.WhenIdleAsync().WaitAsync(Bounded);
        Assert.That(_peers.Calls.Single().Host, Is.EqualTo(HostB.Address));
        var holder = await TestAsync(HostA, Lock("a", 1, 0, 0));
        Assert.That(holder.Holder.Svid, Is.EqualTo(2));
        _monitor.Reboot("b", 7);
        Assert.That(Table.HeldRanges, Is.Zero);
        Assert.That(_monitor.Monitored.ToArray(), Is.EqualTo(new[] { ("a", HostA.Address), ("b", HostB.Address) }), "each host once, b when it blocked");
    }

    [Test]
    public async Task FreeAllReleasesEverythingOfTheHost()
    {
        await StartAsync();
        await LockAsync(HostA, Lock("a", 1, 0, 10));
        await LockAsync(HostA, Lock("a", 2, 20, 10));
        await _nlm.ShareAsync(Share("a", Fsh4Access.Fsa4R, Fsh4Mode.Fsm4Dw), From(HostA));
        await LockAsync(HostB, Lock("b", 1, 100, 10));
        await _nlm.FreeAllAsync(new Nlm4Notify { Name = "a"u8.ToArray(), State = 4 }, From(HostA));
        Assert.That(Table.HeldRanges, Is.EqualTo(1));
        Assert.That(Table.ShareReservations, Is.Zero);
        var v3 = new NlmNotify { Name = "b"u8.ToArray(), State = 2 };
        await _legacy.FreeAllAsync(v3, From(HostB, 3));
        Assert.That(Table.HeldRanges, Is.Zero);
    }

    private Nlm4Shareargs Share(string caller, Fsh4Access access, Fsh4Mode deny, bool reclaim = false) => new()
    {
        Cookie = "s"u8.ToArray(),
        Share = new Nlm4Share { CallerName = Encoding.UTF8.GetBytes(caller), Fh = _file, Oh = Encoding.UTF8.GetBytes("oh-" + caller), Access = access, Mode = deny },
        Reclaim = reclaim,
    };

    [Test]
    public async Task ShareReservationsConflictByAccessAndDeny()
    {
        await StartAsync();
        var a = await _nlm.ShareAsync(Share("a", Fsh4Access.Fsa4R, Fsh4Mode.Fsm4Dw), From(HostA));
        Assert.That((a.Stat, a.Sequence), Is.EqualTo((Nlm4Stats.Nlm4Granted, 0)));
        Assert.That((await _nlm.ShareAsync(Share("b", Fsh4Access.Fsa4W, Fsh4Mode.Fsm4Dn), From(HostB))).Stat, Is.EqualTo(Nlm4Stats.Nlm4Denied));
        Assert.That((await _nlm.ShareAsync(Share("b", Fsh4Access.Fsa4R, Fsh4Mode.Fsm4Dn), From(HostB))).Stat, Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That((await _nlm.UnshareAsync(Share("a", Fsh4Access.Fsa4R, Fsh4Mode.Fsm4Dw), From(HostA))).Stat, Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That((await _nlm.ShareAsync(Share("c", Fsh4Access.Fsa4W, Fsh4Mode.Fsm4Dn), From(HostB))).Stat, Is.EqualTo(Nlm4Stats.Nlm4Granted));
        var v3 = await _legacy.ShareAsync(new NlmShareargs
        {
            Cookie = "s"u8.ToArray(),
            Share = new NlmShare { CallerName = "d"u8.ToArray(), Fh = _file, Oh = "oh-d"u8.ToArray(), Access = FshAccess.FsaR, Mode = FshMode.FsmDw },
        }, From(HostB, 3));
        Assert.That(v3.Stat, Is.EqualTo(NlmStats.LckDenied), "c has write access");
    }

    private static NlmLock Narrow(Nlm4Lock alock) => new()
    {
        CallerName = alock.CallerName, Fh = alock.Fh, Oh = alock.Oh, Svid = alock.Svid, LOffset = (uint)alock.LOffset, LLen = (uint)alock.LLen,
    };

    [Test]
    public async Task Version3LocksShareTheTableWithVersion4AndHoldersAreClamped()
    {
        await StartAsync();
        var v3 = await _legacy.LockAsync(new NlmLockargs { Cookie = "c"u8.ToArray(), Exclusive = true, Alock = Narrow(Lock("old", 3, 10, 10)) }, From(HostA, 3));
        Assert.That(v3.Stat.Stat, Is.EqualTo(NlmStats.LckGranted));
        Assert.That(await LockAsync(HostB, Lock("new", 4, 15, 1)), Is.EqualTo(Nlm4Stats.Nlm4Denied));
        Assert.That(await LockAsync(HostB, Lock("new", 4, 5_000_000_000, 10)), Is.EqualTo(Nlm4Stats.Nlm4Granted));

        var test = await _legacy.TestAsync(new NlmTestargs { Cookie = "t"u8.ToArray(), Exclusive = true, Alock = Narrow(Lock("other", 5, 0, 0)) }, From(HostA, 3));
        Assert.That((test.Stat.Stat, test.Stat.Holder.Svid, test.Stat.Holder.LOffset, test.Stat.Holder.LLen), Is.EqualTo((NlmStats.LckDenied, 3, 10u, 10u)));
        await _legacy.UnlockAsync(new NlmUnlockargs { Cookie = "u"u8.ToArray(), Alock = Narrow(Lock("old", 3, 0, 0)) }, From(HostA, 3));
        var beyond = await _legacy.TestAsync(new NlmTestargs { Cookie = "t"u8.ToArray(), Exclusive = false, Alock = Narrow(Lock("other", 5, 0, 0)) }, From(HostA, 3));
        Assert.That((beyond.Stat.Stat, beyond.Stat.Holder.Svid, beyond.Stat.Holder.LOffset, beyond.Stat.Holder.LLen), Is.EqualTo((NlmStats.LckDenied, 4, uint.MaxValue, 0u)),
            "a lock past 4 GiB, said in 32 bits");
    }

    [Test]
    public async Task Version3BlockedLockIsGrantedInVersion3()
    {
        await StartAsync();
        await LockAsync(HostA, Lock("a", 1, 0, 0));
        var blocked = await _legacy.LockAsync(new NlmLockargs { Cookie = "c"u8.ToArray(), Block = true, Exclusive = false, Alock = Narrow(Lock("b", 2, 7, 3)) }, From(HostB, 3));
        Assert.That(blocked.Stat.Stat, Is.EqualTo(NlmStats.LckBlocked));
        await UnlockAsync(HostA, Lock("a", 1, 0, 0));
        await _nlm.Callbacks.WhenIdleAsync().WaitAsync(Bounded);
        var call = _peers.Calls.Single();
        Assert.That((call.Version, call.Procedure), Is.EqualTo((3u, (uint)NlmV3Procedure.Granted)));
        var granted = call.Decode<NlmTestargs>();
        Assert.That((granted.Exclusive, granted.Alock.Svid, granted.Alock.LOffset, granted.Alock.LLen), Is.EqualTo((false, 2, 7u, 3u)));
    }

    [Test]
    public async Task MessageCallsAreAnsweredWithResultCalls()
    {
        await StartAsync();
        await _nlm.LockMsgAsync(new Nlm4Lockargs { Cookie = "m1"u8.ToArray(), Exclusive = true, Alock = Lock("a", 1, 0, 0) }, From(HostA));
        await _nlm.TestMsgAsync(new Nlm4Testargs { Cookie = "m2"u8.ToArray(), Exclusive = true, Alock = Lock("b", 2, 0, 0) }, From(HostB));
        await _nlm.Callbacks.WhenIdleAsync().WaitAsync(Bounded);
        var calls = _peers.Calls.ToArray();
        var lockRes = calls.Single(c => c.Procedure == (uint)NlmV4Procedure.LockRes);
        Assert.That(lockRes.Host, Is.EqualTo(HostA.Address));
        var lockResult = lockRes.Decode<Nlm4Res>();
        Assert.That((Encoding.UTF8.GetString(lockResult.Cookie.Span), lockResult.Stat.Stat), Is.EqualTo(("m1", Nlm4Stats.Nlm4Granted)));
        var testRes = calls.Single(c => c.Procedure == (uint)NlmV4Procedure.TestRes).Decode<Nlm4Testres>();
        Assert.That((Encoding.UTF8.GetString(testRes.Cookie.Span), testRes.Stat.Stat, testRes.Stat.Holder.Svid), Is.EqualTo(("m2", Nlm4Stats.Nlm4Denied, 1)));
    }

    [Test]
    public async Task BlockedLockMessageIsGrantedByGrantedMessageAndARefusingResultReleasesIt()
    {
        await StartAsync();
        await LockAsync(HostA, Lock("a", 1, 0, 0));
        await _nlm.LockMsgAsync(new Nlm4Lockargs { Cookie = "m"u8.ToArray(), Block = true, Exclusive = true, Alock = Lock("b", 2, 0, 0) }, From(HostB));
        await UnlockAsync(HostA, Lock("a", 1, 0, 0));
        await _nlm.Callbacks.WhenIdleAsync().WaitAsync(Bounded);
        var grantedMsg = _peers.Calls.Single(c => c.Procedure == (uint)NlmV4Procedure.GrantedMsg).Decode<Nlm4Testargs>();
        Assert.That(_peers.Calls.Single(c => c.Procedure == (uint)NlmV4Procedure.LockRes).Decode<Nlm4Res>().Stat.Stat, Is.EqualTo(Nlm4Stats.Nlm4Blocked));
        Assert.That(Table.HeldRanges, Is.EqualTo(1));
        await _nlm.GrantedResAsync(new Nlm4Res { Cookie = grantedMsg.Cookie.ToArray(), Stat = new Nlm4Stat { Stat = Nlm4Stats.Nlm4Denied } }, From(HostB));
        Assert.That(Table.HeldRanges, Is.Zero);
    }

    [Test]
    public async Task GrantedCallsToTheServerAreDenied()
    {
        await StartAsync();
        var granted = await _nlm.GrantedAsync(new Nlm4Testargs { Cookie = "g"u8.ToArray(), Alock = Lock("a", 1, 0, 0) }, From(HostA));
        Assert.That(granted.Stat.Stat, Is.EqualTo(Nlm4Stats.Nlm4Denied));
    }

    [Test]
    public void ProgramsServeVersionsOneThreeAndFour()
    {
        var programs = NlmPrograms.Create(new NlmService(new ShareTable(), new RecordingHostMonitor(),
            new NlmCallbacks(new RecordingPeerDialer(), new NlmCallbackOptions(), NullLogger.Instance), NullLogger<NlmService>.Instance));
        Assert.That(programs.Select(p => (p.Program, p.Version)), Is.EqualTo(new[] { (100021u, 1u), (100021u, 3u), (100021u, 4u) }));
    }
}
