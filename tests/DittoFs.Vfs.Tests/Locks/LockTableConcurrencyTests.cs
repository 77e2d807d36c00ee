using System.Collections.Concurrent;
using System.Diagnostics;
using DittoFs.Vfs.Locks;

namespace DittoFs.Vfs.Tests.Locks;

/// <summary>
/// Many threads lock, unlock, test, block, cancel, reserve and release at random on a few files. After every change the
/// table's own state is checked while it is still locked (<see cref="LockInvariants"/>): no two conflicting locks
/// of different owners were ever held at once, no queued request was left that could be granted, every grant was
/// held. At the end each queued request was granted at most once, and releasing every client empties the table.
/// </summary>
public sealed class LockTableConcurrencyTests
{
    private const int Clients = 16;
    private const int OwnersPerClient = 4;
    private const int FileCount = 16;

    [TestCase(11, 4, 2500)]
    [TestCase(12, 8, 1250)]
    public void Random_concurrent_calls_never_hold_conflicting_locks(int seed, int threads, int callsPerThread)
    {
        var violations = new ConcurrentQueue<string>();
        var table = new MemoryLockTable(new LockTableOptions { MaxWaiters = 200 });
        var checks = 0;
        table.AfterChangeForTests = (snapshot, grants) =>
        {
            checks++; // under the table's lock
            foreach (var violation in LockInvariants.Violations(snapshot, grants))
            {
                violations.Enqueue(violation);
            }
        };
        var clients = Enumerable.Range(0, Clients).Select(c => LockClient.Nlm($"client-{c}")).ToArray();
        var owners = clients.SelectMany(c => Enumerable.Range(0, OwnersPerClient).Select(o => new LockOwner(c, (uint)o, "oh"u8))).ToArray();
        var files = Enumerable.Range(0, FileCount).Select(f => new FileLockKey((ulong)f + 100, 1)).ToArray();
        var queuedIds = new ConcurrentDictionary<long, byte>();
        var grantedIds = new ConcurrentDictionary<long, int>();
        var statuses = new ConcurrentDictionary<LockStatus, int>();

        void Record(IReadOnlyList<LockGrant> woken)
        {
            foreach (var grant in woken)
            {
                grantedIds.AddOrUpdate(grant.WaiterId, 1, (_, n) => n + 1);
            }
        }

        var stopwatch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                Run(new Random(seed * 1000 + t));
            }
            catch (Exception e)
            {
                // A failure of the table (or of the check) fails the test instead of the test host.
                violations.Enqueue($"thread {t}: {e}");
            }
        })).ToArray();

        void Run(Random random)
        {
            for (var call = 0; call < callsPerThread; call++)
            {
                var owner = owners[random.Next(owners.Length)];
                var file = files[random.Next(files.Length)];
                var range = random.Next(30) == 0
                    ? new LockRange((ulong)random.Next(1024), 0)
                    : new LockRange((ulong)random.Next(1024), (ulong)random.Next(1, 65));
                var mode = random.Next(3) == 0 ? LockMode.Exclusive : LockMode.Shared;
                switch (random.Next(100))
                {
                    case < 35:
                    {
                        var result = table.Lock(new LockRequest(file, owner, range, mode));
                        statuses.AddOrUpdate(result.Status, 1, (_, n) => n + 1);
                        Record(result.Woken);
                        break;
                    }

                    case < 50:
                    {
                        var result = table.Lock(new LockRequest(file, owner, range, mode, Block: true));
                        statuses.AddOrUpdate(result.Status, 1, (_, n) => n + 1);
                        if (result.Status == LockStatus.Blocked)
                        {
                            queuedIds.TryAdd(result.WaiterId, 0);
                        }

                        Record(result.Woken);
                        break;
                    }

                    case < 80:
                        Record(table.Unlock(file, owner, range).Woken);
                        break;
                    case < 90:
                        table.Test(file, owner, range, mode);
                        break;
                    case < 93:
                        Record(table.Cancel(file, owner, range, mode).Woken);
                        break;
                    case < 95:
                        if (random.Next(2) == 0)
                        {
                            table.Share(file, owner, (ShareAccess)random.Next(1, 4), (ShareDeny)random.Next(0, 4));
                        }
                        else
                        {
                            table.Unshare(file, owner);
                        }

                        break;
                    case < 98:
                        Record(table.UnlockOwner(file, owner).Woken);
                        break;
                    default:
                        Record(table.ReleaseClient(owner.Client).Woken);
                        break;
                }
            }
        }

        foreach (var worker in workers)
        {
            worker.Start();
        }

        foreach (var worker in workers)
        {
            worker.Join();
        }

        foreach (var client in clients)
        {
            Record(table.ReleaseClient(client).Woken);
        }

        TestContext.Out.WriteLine($"{threads * callsPerThread} calls, {checks} checked changes in {stopwatch.ElapsedMilliseconds} ms; " +
            $"{string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}"))}; {queuedIds.Count} queued, {grantedIds.Count} of them granted later");
        Assert.That(violations.Take(10), Is.Empty);
        Assert.That(grantedIds.Where(g => g.Value != 1).Select(g => g.Key), Is.Empty, "a queued request granted twice");
        Assert.That(grantedIds.Keys.Except(queuedIds.Keys), Is.Empty, "a grant of a request that was never queued");
        Assert.That(grantedIds, Is.Not.Empty, "the run queued and woke requests");
        Assert.That((table.HeldRanges, table.Waiters, table.ShareReservations, table.Files), Is.EqualTo((0, 0, 0, 0)));
    }
}
