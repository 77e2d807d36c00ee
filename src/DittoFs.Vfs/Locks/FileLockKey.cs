using DittoFs.Storage;

namespace DittoFs.Vfs.Locks;

/// <summary>
/// The file a lock or share reservation is on: the file id and generation its handles carry, without the share
/// scoping (<see cref="FileRef.Root"/>), which only says where a handle may reach and is the same for every handle
/// of one table's share. The generation keeps a reused file id from inheriting the locks of the file it once named.
/// <para>
/// The table never asks the store about the file: locks on a file that was unlinked stay until they are unlocked
/// or their client is released, as POSIX keeps them while the file is open.
/// </para>
/// </summary>
public readonly record struct FileLockKey(ulong FileId, uint Generation)
{
    public static FileLockKey Of(FileRef file) => new(file.FileId, file.Generation);

    public override string ToString() => $"{FileId}.{Generation}";
}
