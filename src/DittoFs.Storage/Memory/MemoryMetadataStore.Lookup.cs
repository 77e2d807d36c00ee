using System.Runtime.CompilerServices;

namespace DittoFs.Storage.Memory;

public sealed partial class MemoryMetadataStore
{
    public ValueTask<StoreResult<LookupResult>> LookupAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out var parent))
        {
            return new(StoreStatus.Stale);
        }
        return new(Lookup(auth, parent, name.Span));
    }

    /// <remarks>Not inlined into the store's call (and through it into the file system's), whose frame would grow by this one's.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static StoreResult<LookupResult> Lookup(AuthContext auth, Inode parent, ReadOnlySpan<byte> name)
    {
        InodeAttributes parentAttributes;
        Inode? found;
        lock (parent.Gate)
        {
            if (parent.IsRemoved)
            {
                return StoreStatus.Stale;
            }
            parentAttributes = parent.Attributes;
            var status = parent.IsDirectory ? PosixRules.CheckNameSyntax(name) : StoreStatus.NotDir;
            if (status == StoreStatus.Ok)
            {
                status = PosixRules.CheckSearch(parentAttributes, auth);
            }
            if (status != StoreStatus.Ok)
            {
                return new StoreResult<LookupResult>(status, new LookupResult(default, parentAttributes));
            }
            found = PosixRules.IsDot(name) ? parent
                : PosixRules.IsDotDot(name) ? parent.Parent
                : parent.Entries!.Find(name);
        }

        // The child is read under its own lock after the directory's is released: holding two inode locks at once
        // is reserved for InodeLocks. A child removed in between is reported as not found.
        InodeAttributes childAttributes = parentAttributes;
        if (found is null || found != parent && !TrySnapshot(found, out childAttributes))
        {
            return new StoreResult<LookupResult>(StoreStatus.NoEnt, new LookupResult(default, parentAttributes));
        }
        return new LookupResult(childAttributes, parentAttributes);
    }
}
