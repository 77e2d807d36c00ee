using DittoFs.Storage;
using DittoFs.Storage.Memory;
using DittoFs.Vfs.Locks;

namespace DittoFs.Vfs.Tests.Locks;

/// <summary>The lock table beside a share's file system: files named by their handles' id, never looked up.</summary>
public sealed class LocksBesideTheFileSystemTests
{
    private static readonly AuthContext Root = AuthContext.Root();

    [Test]
    public async Task A_lock_on_a_file_stays_after_the_file_is_removed_until_it_is_unlocked()
    {
        var vfs = await VirtualFileSystem.OpenAsync("/share", new MemoryMetadataStore(), new MemoryContentStore(), rootMode: 0x1FF);
        var file = (await vfs.CreateAsync(Root, vfs.Root, "f"u8.ToArray(), CreateMode.Guarded, default, 0)).Value.File;
        var table = new MemoryLockTable();
        var key = FileLockKey.Of(file.Ref.Within(vfs.Root));
        var holder = new LockOwner(LockClient.Nlm("host-a"), 1, "oh"u8);
        var other = new LockOwner(LockClient.Nlm("host-b"), 1, "oh"u8);
        table.Lock(new LockRequest(key, holder, LockRange.WholeFile, LockMode.Exclusive));

        Assert.That((await vfs.RemoveAsync(Root, vfs.Root, "f"u8.ToArray())).Status, Is.EqualTo(StoreStatus.Ok));

        Assert.That(key, Is.EqualTo(FileLockKey.Of(file.Ref)), "the share scoping is not part of the key");
        Assert.That(table.Test(key, other, LockRange.WholeFile, LockMode.Shared).Conflict?.Owner, Is.EqualTo(holder));
        Assert.That(table.Unlock(key, holder, LockRange.WholeFile).Changed, Is.True);
        Assert.That(table.Files, Is.Zero);
    }
}
