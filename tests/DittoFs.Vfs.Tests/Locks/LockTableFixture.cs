using DittoFs.Vfs.Locks;

namespace DittoFs.Vfs.Tests.Locks;

/// <summary>A fresh table per test whose every change is checked against <see cref="LockInvariants"/>.</summary>
public abstract class LockTableFixture
{
    protected static readonly FileLockKey F = new(10, 1);
    protected static readonly FileLockKey G = new(11, 1);
    protected static readonly LockOwner A = Owner("host-a");
    protected static readonly LockOwner B = Owner("host-b");
    protected static readonly LockOwner C = Owner("host-c");
    protected static readonly LockOwner D = Owner("host-d");

    private readonly List<string> _violations = [];

    protected MemoryLockTable Table { get; private set; } = null!;

    [SetUp]
    public void CreateTable()
    {
        _violations.Clear();
        Table = LockInvariants.Checked(_violations, Options, Grace);
    }

    [TearDown]
    public void NoInvariantBroken() => Assert.That(_violations, Is.Empty, "the table's state broke an invariant");

    protected virtual LockTableOptions? Options => null;

    protected virtual LockGracePeriod? Grace => null;

    /// <summary>An NLM owner: a host and a process (svid) with a fixed owner handle.</summary>
    protected static LockOwner Owner(string host, uint svid = 1) => new(LockClient.Nlm(host), svid, "oh"u8);

    protected LockResult Lock(LockOwner owner, ulong offset, ulong length, LockMode mode, bool block = false, FileLockKey? file = null, object? context = null) =>
        Table.Lock(new LockRequest(file ?? F, owner, new LockRange(offset, length), mode, block, Context: context));

    protected LockStatus TryLock(LockOwner owner, ulong offset, ulong length, LockMode mode, FileLockKey? file = null) =>
        Lock(owner, offset, length, mode, file: file).Status;

    protected UnlockResult Unlock(LockOwner owner, ulong offset, ulong length, FileLockKey? file = null) =>
        Table.Unlock(file ?? F, owner, new LockRange(offset, length));

    /// <summary>What <paramref name="owner"/> holds on the file, by offset.</summary>
    protected (LockRange Range, LockMode Mode)[] HeldBy(LockOwner owner, FileLockKey? file = null) =>
        [.. Table.Snapshot().Held
            .Where(h => h.File == (file ?? F) && h.Owner.Equals(owner))
            .OrderBy(h => h.Range.Offset)
            .Select(h => (h.Range, h.Mode))];

    protected static (LockRange, LockMode) Held(ulong offset, ulong length, LockMode mode) => (new LockRange(offset, length), mode);

    protected const LockMode Shared = LockMode.Shared;
    protected const LockMode Exclusive = LockMode.Exclusive;
}
