using DittoFs.Vfs.Locks;

namespace DittoFs.Vfs.Tests.Locks;

/// <summary>
/// Random non-blocking locks, unlocks and tests against a byte-by-byte model of POSIX locking: every answer agrees
/// with the model, and after every call each owner holds exactly the model's maximal runs (so a missing merge, a
/// wrong split or a lost byte shows). Bytes 0..63 are modelled one by one; byte 64 stands for everything past 63.
/// </summary>
public sealed class LockTableModelTests : LockTableFixture
{
    private const int Beyond = 64;

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Random_calls_agree_with_a_byte_model(int seed)
    {
        var random = new Random(seed);
        var hostA = LockClient.Nlm("a");
        var owners = new[] { new LockOwner(hostA, 1, "x"u8), new LockOwner(hostA, 2, "x"u8), B, C };
        var files = new[] { F, G };
        var model = files.ToDictionary(f => f, _ => owners.ToDictionary(o => o, _ => new LockMode?[Beyond + 1]));

        for (var step = 0; step < 4000; step++)
        {
            var file = files[random.Next(files.Length)];
            var owner = owners[random.Next(owners.Length)];
            var (range, first, last) = RandomRange(random);
            var mode = random.Next(2) == 0 ? Shared : Exclusive;
            var bytes = model[file];
            var conflicting = owners.Where(o => !o.Equals(owner))
                .SelectMany(o => Runs(bytes[o]).Where(r => r.First <= last && first <= r.Last && (r.Mode == Exclusive || mode == Exclusive)).Select(r => (Owner: o, Run: r)))
                .ToArray();
            var what = $"step {step}: {owner} on {file} {range} {mode}";
            switch (random.Next(10))
            {
                case < 5:
                {
                    var result = Table.Lock(new LockRequest(file, owner, range, mode));
                    Assert.That(result.Status, Is.EqualTo(conflicting.Length == 0 ? LockStatus.Granted : LockStatus.Denied), what);
                    if (conflicting.Length == 0)
                    {
                        Array.Fill(bytes[owner], mode, first, last - first + 1);
                    }

                    break;
                }

                case < 8:
                    Assert.That(Table.Unlock(file, owner, range).Status, Is.EqualTo(LockStatus.Granted), what);
                    Array.Fill(bytes[owner], null, first, last - first + 1);
                    break;

                case 8:
                {
                    var result = Table.Test(file, owner, range, mode);
                    if (conflicting.Length == 0)
                    {
                        Assert.That(result, Is.EqualTo(new LockTestResult(LockStatus.Granted)), what);
                    }
                    else
                    {
                        // Any of the conflicting runs that begin lowest; the reported range is the holder's whole run.
                        var lowest = conflicting.Min(c => c.Run.First);
                        var expected = conflicting.Where(c => c.Run.First == lowest)
                            .Select(c => new LockConflict(c.Owner, ToRange(c.Run.First, c.Run.Last), c.Run.Mode));
                        Assert.That(result.Status, Is.EqualTo(LockStatus.Denied), what);
                        Assert.That(expected, Has.Member(result.Conflict!.Value), what);
                    }

                    break;
                }

                default:
                    Assert.That(Table.UnlockOwner(file, owner).Status, Is.EqualTo(LockStatus.Granted), what);
                    Array.Fill(bytes[owner], null);
                    break;
            }

            foreach (var f in files)
            {
                foreach (var o in owners)
                {
                    var expected = Runs(model[f][o]).Select(r => (ToRange(r.First, r.Last), r.Mode));
                    Assert.That(HeldBy(o, f), Is.EqualTo(expected), $"{what}: what {o} holds on {f}");
                }
            }
        }
    }

    private static (LockRange Range, int First, int Last) RandomRange(Random random)
    {
        var offset = random.Next(Beyond);
        if (random.Next(6) == 0)
        {
            return (new LockRange((ulong)offset, 0), offset, Beyond);
        }

        var length = 1 + random.Next(Math.Min(16, Beyond - offset));
        return (new LockRange((ulong)offset, (ulong)length), offset, offset + length - 1);
    }

    private static LockRange ToRange(int first, int last) =>
        new((ulong)first, last == Beyond ? 0 : (ulong)(last - first + 1));

    /// <summary>The maximal runs of one mode.</summary>
    private static IEnumerable<(int First, int Last, LockMode Mode)> Runs(LockMode?[] bytes)
    {
        for (var i = 0; i < bytes.Length;)
        {
            if (bytes[i] is not { } mode)
            {
                i++;
                continue;
            }

            var start = i;
            while (i < bytes.Length && bytes[i] == mode)
            {
                i++;
            }

            yield return (start, i - 1, mode);
        }
    }
}
