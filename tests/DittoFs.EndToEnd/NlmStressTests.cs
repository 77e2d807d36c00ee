using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Rpc;
using static DittoFs.EndToEnd.NlmCalls;

namespace DittoFs.EndToEnd;

/// <summary>
/// The lock manager of the real process under pressure: ten thousand queued requests on one range, clients whose lock
/// manager never answers a GRANTED call, and a minute of 64 clients locking and unlocking at random with an invariant
/// check of everything they were granted. The server's gauges (dittofs_locks_held, dittofs_locks_waiters) are read
/// from its metrics endpoint.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class NlmStressTests : LockServerFixture
{
    private static readonly TimeSpan Timeout = NlmCalls.Timeout;
    private readonly int _metricsPort = DittoFsProcess.FreePort();

    protected override string[] ServerArguments => ["--metrics-port", _metricsPort.ToString()];

    /// <summary>The /export share's value of a lock gauge, scraped from the metrics endpoint.</summary>
    private async Task<double> GaugeAsync(string name)
    {
        using var http = new HttpClient { Timeout = Timeout };
        var scrape = PrometheusText.Parse(await http.GetStringAsync($"http://127.0.0.1:{_metricsPort}/metrics"));
        return scrape.Samples.Single(s => s.Name == name && s.Labels.GetValueOrDefault("share") == "/export").Value;
    }

    /// <summary>Polls a gauge until it reads <paramref name="expected"/> (a scrape may be served from the exporter's short cache).</summary>
    private async Task AssertGaugeAsync(string name, double expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        double value;
        while ((value = await GaugeAsync(name)) != expected && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.That(value, Is.EqualTo(expected), name);
    }

    /// <summary>Runs <paramref name="call"/> for 0..count-1 over <paramref name="connections"/> TCP connections, some calls in flight on each.</summary>
    private async Task ForEachAsync(int count, int connections, Func<NlmV4Client, int, Task> call)
    {
        var workers = Enumerable.Range(0, connections).Select(async connection =>
        {
            await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", Server.Port, Options);
            var nlm = new NlmV4Client(tcp);
            using var inFlight = new SemaphoreSlim(32);
            var calls = new List<Task>();
            for (int i = connection; i < count; i += connections)
            {
                await inFlight.WaitAsync();
                int index = i;
                calls.Add(Task.Run(async () =>
                {
                    try
                    {
                        await call(nlm, index);
                    }
                    finally
                    {
                        inFlight.Release();
                    }
                }));
            }
            await Task.WhenAll(calls);
        });
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(3));
    }

    /// <summary>
    /// 10,000 blocking requests from 10,000 owners (100 hosts × 100 processes) queue behind one holder. The server still
    /// answers NULL and TEST at once, counts 10,000 waiters, stays within a bounded memory, and after all are cancelled
    /// holds only the holder's lock; once that is unlocked the range is free and nobody was sent a grant.
    /// </summary>
    [Test]
    public async Task Ten_thousand_waiters_on_one_range_leave_the_server_responsive_and_go_cleanly()
    {
        const int Waiters = 10_000;
        byte[] file = await CreateFileAsync();
        await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", Server.Port, Options);
        var nlm = new NlmV4Client(tcp);
        Assert.That(await LockAsync(nlm, Lock(file, "w-holder", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        long residentBefore = Server.ResidentKib();
        int grantsBefore = Peer.GrantedCalls;
        Nlm4Lock WaiterLock(int i) => Lock(file, $"w-host-{i / 100}", i % 100, (ulong)(i % 7), (ulong)(i % 5));

        int blocked = 0;
        await ForEachAsync(Waiters, 8, async (client, i) =>
        {
            if (await LockAsync(client, WaiterLock(i), exclusive: i % 2 == 0, block: true) == Nlm4Stats.Nlm4Blocked)
                Interlocked.Increment(ref blocked);
        });
        Assert.That(blocked, Is.EqualTo(Waiters));
        await AssertGaugeAsync("dittofs_locks_waiters", Waiters);

        // Responsive with them all queued: NULL over TCP and UDP, and a TEST, each answered within the usual bound.
        await nlm.NullAsync().AsTask().WaitAsync(Timeout);
        await using (var udp = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, Server.Port), Options))
            await new NlmV4Client(udp).NullAsync().AsTask().WaitAsync(Timeout);
        var holder = await TestAsync(nlm, Lock(file, "w-tester", 1, 3, 1));
        Assert.That((holder.Stat, holder.Holder.Svid), Is.EqualTo((Nlm4Stats.Nlm4Denied, 1)));
        long residentQueued = Server.ResidentKib();
        TestContext.Out.WriteLine($"RSS {residentBefore} KiB before, {residentQueued} KiB with {Waiters} waiters");
        Assert.That(residentQueued - residentBefore, Is.LessThan(256 * 1024), "KiB for 10,000 waiters");

        int cancelled = 0;
        await ForEachAsync(Waiters, 8, async (client, i) =>
        {
            if (await CancelAsync(client, WaiterLock(i), exclusive: i % 2 == 0) == Nlm4Stats.Nlm4Granted)
                Interlocked.Increment(ref cancelled);
        });
        Assert.That(cancelled, Is.EqualTo(Waiters));
        await AssertGaugeAsync("dittofs_locks_waiters", 0);
        await AssertGaugeAsync("dittofs_locks_held", 1);

        Assert.That(await UnlockAsync(nlm, Lock(file, "w-holder", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        // A waiter left behind would have been granted inside the unlock and would hold the range now.
        Assert.That((await TestAsync(nlm, Lock(file, "w-tester", 1, 0, 0))).Stat, Is.EqualTo(Nlm4Stats.Nlm4Granted));
        await AssertGaugeAsync("dittofs_locks_held", 0);
        Assert.That(Peer.GrantedCalls, Is.EqualTo(grantsBefore), "nobody was granted");
    }

    /// <summary>
    /// Three blocked requests whose lock managers cannot take their GRANTED: one listed at a UDP socket that never answers
    /// (v4), one at a UDP port nothing listens on (v3), one at a TCP listener that accepts and never answers (v1). When
    /// the holder unlocks, each is granted and the server tries to tell it: meanwhile it answers NULL and TEST at once;
    /// after a bounded number of tries it gives each grant up, so the ranges are free again, and nothing hangs.
    /// </summary>
    [Test]
    public async Task A_grant_whose_client_never_answers_is_given_up_after_bounded_tries()
    {
        byte[][] files = [await CreateFileAsync(), await CreateFileAsync(), await CreateFileAsync()];
        using var silentUdp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int deadPort;
        using (var closed = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
            deadPort = ((IPEndPoint)closed.Client.LocalEndPoint!).Port;
        var silentTcp = new TcpListener(IPAddress.Loopback, 0);
        silentTcp.Start();
        var accepted = new List<TcpClient>();
        using var stopAccepting = new CancellationTokenSource();
        var acceptLoop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var connection = await silentTcp.AcceptTcpClientAsync(stopAccepting.Token);
                    lock (accepted)
                        accepted.Add(connection); // read nothing, answer nothing
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", Server.Port, Options);
        await using var udp = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, Server.Port), Options);
        var nlm = new NlmV4Client(tcp);
        try
        {
            Peer.MapNlm(4, ((IPEndPoint)silentUdp.Client.LocalEndPoint!).Port, 0);
            Peer.MapNlm(3, deadPort, 0);
            Peer.MapNlm(1, 0, ((IPEndPoint)silentTcp.LocalEndpoint).Port);
            foreach (var file in files)
                Assert.That(await LockAsync(nlm, Lock(file, "gt-holder", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
            Assert.That(await LockAsync(nlm, Lock(files[0], "gt-v4", 2, 0, 10), block: true), Is.EqualTo(Nlm4Stats.Nlm4Blocked));
            foreach (var (version, file, svid) in new[] { (3u, files[1], 3), (1u, files[2], 4) })
            {
                var args = new NlmLockargs
                {
                    Cookie = "gt"u8.ToArray(),
                    Block = true,
                    Exclusive = true,
                    Alock = new NlmLock { CallerName = "gt-legacy"u8.ToArray(), Fh = file, Oh = "gt-legacy"u8.ToArray(), Svid = svid, LOffset = 0, LLen = 10 },
                };
                var status = version == 3 ? (await new NlmV3Client(udp).LockAsync(args).AsTask().WaitAsync(Timeout)).Stat.Stat
                    : (await new NlmV1Client(udp).LockAsync(args).AsTask().WaitAsync(Timeout)).Stat.Stat;
                Assert.That(status, Is.EqualTo(NlmStats.LckBlocked));
            }

            var started = DateTime.UtcNow;
            foreach (var file in files)
                Assert.That(await UnlockAsync(nlm, Lock(file, "gt-holder", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
            // Granted at once, told later: the silent clients hold their ranges while the server tries them.
            var held = await TestAsync(nlm, Lock(files[0], "gt-tester", 9, 0, 0));
            Assert.That((held.Stat, held.Holder.Svid), Is.EqualTo((Nlm4Stats.Nlm4Denied, 2)));

            // Nothing waits on those calls: NULL and TEST are answered at once, over and over, until all three are given up.
            var free = new bool[files.Length];
            await PollAsync(async () =>
            {
                await nlm.NullAsync().AsTask().WaitAsync(Timeout);
                await new NlmV4Client(udp).NullAsync().AsTask().WaitAsync(Timeout);
                for (int i = 0; i < files.Length; i++)
                    free[i] = (await TestAsync(nlm, Lock(files[i], "gt-tester", 9, 0, 0))).Stat == Nlm4Stats.Nlm4Granted;
                return free.All(f => f);
            }, TimeSpan.FromMinutes(3), "every unanswered grant given up");
            TestContext.Out.WriteLine($"given up after {DateTime.UtcNow - started}");

            Assert.That(silentUdp.Available, Is.GreaterThan(0), "the v4 GRANTED went to the silent socket");
            int connections;
            lock (accepted)
                connections = accepted.Count;
            Assert.That(connections, Is.InRange(2, 10), "v1 GRANTED tried more than once, and a bounded number of times");
            Assert.That(Server.Process.Output, Does.Contain("released: client unreachable"));
            // Given up means given up: no more tries come.
            await Task.Delay(TimeSpan.FromSeconds(2));
            lock (accepted)
                Assert.That(accepted.Count, Is.EqualTo(connections));
        }
        finally
        {
            foreach (uint version in new[] { 1u, 3u, 4u })
                Peer.RestoreNlm(version);
            await stopAccepting.CancelAsync();
            await acceptLoop;
            silentTcp.Stop();
            lock (accepted)
                accepted.ForEach(c => c.Dispose());
        }
    }

    /// <summary>
    /// A client whose GRANTED does not get through re-sends its blocking LOCK (as clients do when a grant is slow to
    /// come) and is answered granted: it knows it holds the lock now. The server must not take the lock back when its
    /// lock manager, asked again, answers that it waits for no such grant (what a client that has the lock says), nor
    /// when it gives an undelivered GRANTED up (here: the v3 lock manager's port is closed, so each try fails at once).
    /// </summary>
    [Test]
    public async Task A_grant_the_client_confirmed_by_resending_its_lock_is_not_taken_back()
    {
        byte[] refused = await CreateFileAsync();
        byte[] unreachable = await CreateFileAsync();
        int deadPort;
        using (var closed = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
            deadPort = ((IPEndPoint)closed.Client.LocalEndPoint!).Port;
        await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", Server.Port, Options);
        var nlm = new NlmV4Client(tcp);
        var v3 = new NlmV3Client(tcp);
        var v3Lock = new NlmLockargs
        {
            Cookie = "rc"u8.ToArray(),
            Block = true,
            Exclusive = true,
            Alock = new NlmLock { CallerName = "rc-v3"u8.ToArray(), Fh = unreachable, Oh = "rc-v3/3"u8.ToArray(), Svid = 3, LOffset = 0, LLen = 10 },
        };
        try
        {
            Peer.MapNlm(NlmV4Program.Version, deadPort, 0);
            Peer.MapNlm(NlmV3Program.Version, deadPort, 0);
            foreach (var file in new[] { refused, unreachable })
                Assert.That(await LockAsync(nlm, Lock(file, "rc-holder", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
            Assert.That(await LockAsync(nlm, Lock(refused, "rc-v4", 2, 0, 10), block: true), Is.EqualTo(Nlm4Stats.Nlm4Blocked));
            Assert.That((await v3.LockAsync(v3Lock).AsTask().WaitAsync(Timeout)).Stat.Stat, Is.EqualTo(NlmStats.LckBlocked));
            foreach (var file in new[] { refused, unreachable })
                Assert.That(await UnlockAsync(nlm, Lock(file, "rc-holder", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
            // The clients have heard nothing and ask again: granted, they hold the locks.
            Assert.That(await LockAsync(nlm, Lock(refused, "rc-v4", 2, 0, 10), block: true), Is.EqualTo(Nlm4Stats.Nlm4Granted));
            Assert.That((await v3.LockAsync(v3Lock).AsTask().WaitAsync(Timeout)).Stat.Stat, Is.EqualTo(NlmStats.LckGranted));

            // The v4 client's lock manager comes back, waiting for nothing: it refuses the late GRANTED (if one comes).
            Peer.GrantedAnswer = Nlm4Stats.Nlm4Denied;
            Peer.RestoreNlm(NlmV4Program.Version);
            // The v3 GRANTED's first try may fail before the re-sent LOCK confirmed it, or the confirmation may stop it
            // first: wait for the first (bounded, not required), then long enough for every further try (5 in all,
            // 1 + 2 + 4 + 8 s apart) and the release that would follow.
            var tried = Stopwatch.StartNew();
            while (!Server.Process.Output.Contains("NLM GRANTED to rc-v3 at 127.0.0.1 failed (try 1)") && tried.Elapsed < Timeout)
                await Task.Delay(100);
            await Task.Delay(TimeSpan.FromSeconds(20));
            foreach (var (file, svid) in new[] { (refused, 2), (unreachable, 3) })
            {
                var holder = await TestAsync(nlm, Lock(file, "rc-tester", 9, 0, 0));
                Assert.That((holder.Stat, holder.Holder.Svid), Is.EqualTo((Nlm4Stats.Nlm4Denied, svid)), "the client still holds what it was told it holds");
            }
            Assert.That(Server.Process.Output, Does.Not.Match("grant to rc-v[34] on .* released").And.Not.Contain("to rc-v3 at 127.0.0.1 failed (try 2)"),
                "no grant of theirs released, no GRANTED tried again once they knew");
            Assert.That(await UnlockAsync(nlm, Lock(refused, "rc-v4", 2, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
            Assert.That(await UnlockAsync(nlm, Lock(unreachable, "rc-v3", 3, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        }
        finally
        {
            Peer.GrantedAnswer = Nlm4Stats.Nlm4Granted;
            Peer.RestoreNlm(NlmV4Program.Version);
            Peer.RestoreNlm(NlmV3Program.Version);
            Peer.ForgetGranted(refused, 2);
            // Whatever happened, leave nothing held for the other tests of this server (they check the lock gauges).
            foreach (var (file, owner, svid) in new[] { (refused, "rc-holder", 1), (unreachable, "rc-holder", 1), (refused, "rc-v4", 2), (unreachable, "rc-v3", 3) })
                await UnlockAsync(nlm, Lock(file, owner, svid, 0, 0));
        }
    }

    /// <summary>A lock as a client knew it held it: from when its grant was known to when its unlock was sent.</summary>
    private sealed record Hold(int File, int Owner, ulong First, ulong Last, bool Exclusive, long Granted, long Released);

    /// <summary>
    /// 64 clients, each on its own connection and each one lock owner, lock and unlock random ranges (shared and
    /// exclusive, some to the end of the file) of 16 files for a minute, a third of the requests blocking and granted
    /// by GRANTED calls. Every hold is recorded from when its grant was known (the LOCK reply, or the GRANTED call's
    /// arrival) to when its UNLOCK was sent, on one counter: the server granted before the first and releases after the
    /// second, so each recorded hold lies within the real one, and two conflicting recorded holds that overlap are two
    /// conflicting locks the server really held at once: there must be none. Each client holds one lock at a time, so a
    /// blocked request can always be granted: one not granted within a generous bound is a lost wake-up.
    /// </summary>
    [Test]
    public async Task Sixty_four_clients_locking_at_random_for_a_minute_never_hold_conflicting_locks()
    {
        const int Clients = 64;
        const int Files = 16;
        var duration = TimeSpan.FromSeconds(60);
        var files = new byte[Files][];
        for (int i = 0; i < Files; i++)
            files[i] = await CreateFileAsync();
        var holds = new System.Collections.Concurrent.ConcurrentBag<Hold>();
        int denied = 0, blockedGranted = 0, lostWakeups = 0, unexpected = 0;
        var problems = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var deadline = DateTime.UtcNow + duration;

        var clients = Enumerable.Range(1, Clients).Select(owner => Task.Run(async () =>
        {
            var random = new Random(owner);
            await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", Server.Port, Options);
            var nlm = new NlmV4Client(tcp);
            string caller = $"load-{owner}";
            while (DateTime.UtcNow < deadline)
            {
                int file = random.Next(Files);
                ulong offset = (ulong)random.Next(0, 1000);
                ulong length = random.Next(20) == 0 ? 0 : (ulong)random.Next(1, 200);
                bool exclusive = random.Next(5) < 2;
                bool block = random.Next(3) == 0;
                var alock = Lock(files[file], caller, owner, offset, length);
                var grant = block ? Peer.ExpectGranted(files[file], owner) : null;
                var status = await LockAsync(nlm, alock, exclusive, block);
                long granted;
                if (status == Nlm4Stats.Nlm4Granted)
                {
                    granted = Peer.NextSequence();
                }
                else if (status == Nlm4Stats.Nlm4Blocked)
                {
                    PeerLockManager.Granted callback;
                    try
                    {
                        callback = await grant!.WaitAsync(Timeout);
                    }
                    catch (TimeoutException)
                    {
                        Interlocked.Increment(ref lostWakeups);
                        problems.Enqueue($"{caller} waited {Timeout} for {alock.LOffset}+{alock.LLen} on file {file}");
                        await CancelAsync(nlm, alock, exclusive);
                        await UnlockAsync(nlm, alock);
                        Peer.ForgetGranted(files[file], owner);
                        break;
                    }
                    if ((callback.Offset, callback.Length, callback.Exclusive) != (offset, length, exclusive))
                        problems.Enqueue($"{caller} was granted {callback} for {offset}+{length} exclusive={exclusive}");
                    granted = callback.Sequence;
                    Interlocked.Increment(ref blockedGranted);
                }
                else
                {
                    if (status == Nlm4Stats.Nlm4Denied && !block)
                        Interlocked.Increment(ref denied);
                    else
                    {
                        Interlocked.Increment(ref unexpected);
                        problems.Enqueue($"{caller}: LOCK answered {status}");
                    }
                    if (block)
                        Peer.ForgetGranted(files[file], owner);
                    continue;
                }
                if (block)
                    Peer.ForgetGranted(files[file], owner);
                if (random.Next(4) == 0)
                    await Task.Delay(random.Next(1, 4));
                long released = Peer.NextSequence();
                var unlocked = await UnlockAsync(nlm, alock);
                if (unlocked != Nlm4Stats.Nlm4Granted)
                {
                    Interlocked.Increment(ref unexpected);
                    problems.Enqueue($"{caller}: UNLOCK answered {unlocked}");
                }
                holds.Add(new Hold(file, owner, offset, length == 0 ? ulong.MaxValue : offset + length - 1, exclusive, granted, released));
            }
        })).ToArray();
        await Task.WhenAll(clients).WaitAsync(duration + TimeSpan.FromMinutes(2));

        var violations = Violations(holds).Take(10).ToList();
        TestContext.Out.WriteLine($"{holds.Count} holds ({blockedGranted} granted by callback), {denied} denied, {lostWakeups} lost wake-ups, {unexpected} unexpected answers");
        Assert.That(violations, Is.Empty);
        Assert.That(problems.Take(10), Is.Empty);
        Assert.That((lostWakeups, unexpected), Is.EqualTo((0, 0)));
        // Not vacuous: plenty of locks, plenty of them contended and plenty granted by callback.
        Assert.That(holds.Count, Is.GreaterThan(10_000));
        Assert.That(blockedGranted, Is.GreaterThan(1_000));
        Assert.That(denied, Is.GreaterThan(1_000));
        // Nothing left held or queued.
        await using var check = await RpcClient.ConnectAsync("127.0.0.1", Server.Port, Options);
        foreach (var file in files)
            Assert.That((await TestAsync(new NlmV4Client(check), Lock(file, "load-checker", 1, 0, 0))).Stat, Is.EqualTo(Nlm4Stats.Nlm4Granted));
        await AssertGaugeAsync("dittofs_locks_held", 0);
        await AssertGaugeAsync("dittofs_locks_waiters", 0);
    }

    /// <summary>Pairs of holds of different owners on one file, overlapping in bytes and in time, at least one exclusive.</summary>
    private static IEnumerable<string> Violations(IEnumerable<Hold> holds)
    {
        foreach (var file in holds.GroupBy(h => h.File))
        {
            // Sweep in order of grant, keeping the holds not yet released at that point.
            var active = new List<Hold>();
            foreach (var hold in file.OrderBy(h => h.Granted))
            {
                active.RemoveAll(a => a.Released < hold.Granted);
                foreach (var other in active)
                {
                    if (other.Owner != hold.Owner && (other.Exclusive || hold.Exclusive) && other.First <= hold.Last && hold.First <= other.Last)
                        yield return $"file {file.Key}: {other} and {hold} held at once";
                }
                active.Add(hold);
            }
        }
    }
}
