using System.Runtime.CompilerServices;
using DittoFs.Storage;

namespace DittoFs.Vfs;

// Listing directories, and the figures of the file system as a whole.
public sealed partial class VirtualFileSystem
{
    /// <summary>
    /// The entries of <paramref name="directory"/> whose cookie follows <paramref name="afterCookie"/>, in cookie order,
    /// as many as fit in <paramref name="destination"/>; "." and ".." are not listed (protocols that show them add them
    /// with <see cref="DirectoryCookie.Dot"/> and <see cref="DirectoryCookie.DotDot"/>). A cookie the directory never
    /// handed out, or one with another verifier than the one returned, is BadCookie. Needs read permission.
    /// </summary>
    public ValueTask<StoreResult<DirectoryPage>> ReadDirectoryAsync(AuthContext auth, FileRef directory, ulong afterCookie, ulong cookieVerifier,
        Memory<DirectoryEntry> destination, CancellationToken cancellationToken = default) =>
        Metadata.ReadDirectoryAsync(auth, directory, afterCookie, cookieVerifier, destination, cancellationToken);

    /// <summary>
    /// Space (from the content store) and file slots (from the metadata store) of the share that holds
    /// <paramref name="file"/>, with that file's attributes, which a failure carries too where they could be read.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<StoreResult<FileSystemStats>> GetStatsAsync(FileRef file, CancellationToken cancellationToken = default)
    {
        var attributes = await Metadata.GetAttributesAsync(file, cancellationToken).ConfigureAwait(false);
        if (!attributes.IsOk)
        {
            return attributes.Status;
        }
        var space = await Content.GetStatsAsync(cancellationToken).ConfigureAwait(false);
        var files = space.IsOk ? await Metadata.GetFileCountStatsAsync(cancellationToken).ConfigureAwait(false) : default;
        var stats = new FileSystemStats(attributes.Value, space.Value, files.Value);
        var status = !space.IsOk ? space.Status : files.Status;
        return status == StoreStatus.Ok ? stats : new StoreResult<FileSystemStats>(status, stats);
    }
}

/// <summary>The figures of a share's file system, with the attributes of the file they were asked through.</summary>
public readonly record struct FileSystemStats(InodeAttributes File, SpaceStats Space, FileCountStats Files);
