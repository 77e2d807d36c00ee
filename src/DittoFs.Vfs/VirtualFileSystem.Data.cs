using System.Runtime.CompilerServices;
using DittoFs.Storage;

namespace DittoFs.Vfs;

// File data: read, write with stability, commit.
public sealed partial class VirtualFileSystem
{
    /// <summary>What a store that lends zeros for (holes, or content shorter than the size) lends instead.</summary>
    private static readonly ReadOnlyMemory<byte> Zeros = new byte[64 * 1024];

    /// <summary>
    /// Reads up to <paramref name="count"/> bytes of a regular file the caller may read, from <paramref name="offset"/>
    /// and below its size, into <paramref name="buffer"/>: lent by a content store that lends
    /// (<see cref="IContentLending"/>) when the buffer takes lent bytes of that length, copied into the buffer's memory
    /// otherwise. Whatever the content store does not have (holes, or content shorter than the size after a truncate
    /// that grew the file) reads as zeros. After a failure the buffer drops whatever it was lent.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<StoreResult<ReadResult>> ReadAsync(AuthContext auth, FileRef file, ulong offset, int count, IReadBuffer buffer,
        CancellationToken cancellationToken = default)
    {
        var prepared = await Metadata.PrepareReadAsync(auth, file, cancellationToken).ConfigureAwait(false);
        var attributes = prepared.Value;
        if (!prepared.IsOk)
        {
            return new StoreResult<ReadResult>(prepared.Status, new ReadResult(attributes, 0, false));
        }
        ulong available = offset < attributes.Size ? attributes.Size - offset : 0;
        int length = (int)Math.Min((ulong)Math.Max(count, 0), available);
        var read = new ReadResult(attributes, length, offset + (ulong)length >= attributes.Size);
        if (length == 0)
        {
            buffer.Allocate(0);
            return read;
        }
        if (Content is IContentLending lending && buffer.Borrows(length))
        {
            var lent = await lending.LendAsync(attributes.ContentId, offset, length, buffer, cancellationToken).ConfigureAwait(false);
            if (!lent.IsOk)
            {
                return new StoreResult<ReadResult>(lent.Status, read with { Count = 0, EndOfFile = false });
            }
            for (int zeros = length - lent.Value; zeros > 0; zeros -= Zeros.Length)
            {
                buffer.Borrow(Zeros[..Math.Min(zeros, Zeros.Length)]);
            }
            return read;
        }
        var destination = buffer.Allocate(length);
        var copied = await Content.ReadAsync(attributes.ContentId, offset, destination, cancellationToken).ConfigureAwait(false);
        if (!copied.IsOk)
        {
            return new StoreResult<ReadResult>(copied.Status, read with { Count = 0, EndOfFile = false });
        }
        destination.Span[copied.Value..].Clear();
        return read;
    }

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/> of a regular file the caller may write, within the
    /// maximum file size: the content store takes the bytes, then the metadata store records the new size and times.
    /// Unstable data, and the size it made, may stay volatile until <see cref="CommitAsync"/>; a
    /// <paramref name="stable"/> write flushes the bytes before the size is recorded and the size after, so a failed
    /// flush leaves the size alone and a success is durable as a whole. A write that finds no space waits once for
    /// released content still being deleted (the room a removal just gave back) and tries again.
    /// Returns the file's WCC data (unchanged attributes when the write failed after the checks).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<StoreResult<WccData>> WriteAsync(AuthContext auth, FileRef file, ulong offset, ReadOnlyMemory<byte> data, bool stable,
        CancellationToken cancellationToken = default)
    {
        uint count = (uint)data.Length;
        var prepared = await Metadata.PrepareWriteAsync(auth, file, offset, count, cancellationToken).ConfigureAwait(false);
        if (!prepared.IsOk)
        {
            return new StoreResult<WccData>(prepared.Status, prepared.Value.FileId == 0 ? default : WccData.Unchanged(prepared.Value));
        }
        var attributes = prepared.Value;
        var status = await Content.WriteAsync(attributes.ContentId, offset, data, cancellationToken).ConfigureAwait(false);
        if (status == StoreStatus.NoSpc && _releaser is not null)
        {
            await _releaser.DeletedSoFarAsync().ConfigureAwait(false);
            status = await Content.WriteAsync(attributes.ContentId, offset, data, cancellationToken).ConfigureAwait(false);
        }
        if (status == StoreStatus.Ok && stable)
        {
            status = await Content.FlushAsync(attributes.ContentId, cancellationToken).ConfigureAwait(false);
        }
        if (status != StoreStatus.Ok)
        {
            return new StoreResult<WccData>(status, WccData.Unchanged(attributes));
        }

        var recorded = await Metadata.CommitWriteAsync(auth, file, offset, count, cancellationToken).ConfigureAwait(false);
        if (recorded.Status == StoreStatus.Stale)
        {
            // Removed while the data was written: the content store just recreated bytes nobody can reach.
            await ReleaseContentAsync(attributes.ContentId, cancellationToken).ConfigureAwait(false);
        }
        if (recorded.IsOk && stable)
        {
            status = await Metadata.FlushAsync(file, cancellationToken).ConfigureAwait(false);
            if (status != StoreStatus.Ok)
            {
                return new StoreResult<WccData>(status, recorded.Value);
            }
        }
        return recorded;
    }

    /// <summary>
    /// Makes every write taken so far durable, bytes and the sizes and times they made, for a caller with the right
    /// to write the file (as Linux nfsd checks for COMMIT). Both flushes start before either is awaited: the metadata
    /// store's WAL sync and the content's fsync then overlap instead of one waiting for the other. Nothing is
    /// answered before both have finished. Returns the file's attributes before and now (writes may have landed
    /// meanwhile).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<StoreResult<WccData>> CommitAsync(AuthContext auth, FileRef file, CancellationToken cancellationToken = default)
    {
        var prepared = await Metadata.PrepareWriteAsync(auth, file, 0, 0, cancellationToken).ConfigureAwait(false);
        var before = prepared.Value;
        var unchanged = before.FileId == 0 ? default : WccData.Unchanged(before);
        if (!prepared.IsOk)
        {
            return new StoreResult<WccData>(prepared.Status, unchanged);
        }
        var metadata = Metadata.FlushAsync(file, cancellationToken);
        var contentStatus = await Content.FlushAsync(before.ContentId, cancellationToken).ConfigureAwait(false);
        var metadataStatus = await metadata.ConfigureAwait(false);
        var status = contentStatus != StoreStatus.Ok ? contentStatus : metadataStatus;
        if (status != StoreStatus.Ok)
        {
            return new StoreResult<WccData>(status, unchanged);
        }
        var current = await Metadata.GetAttributesAsync(file, cancellationToken).ConfigureAwait(false);
        return current.IsOk
            ? new WccData(before.ToWcc(), current.Value)
            : new StoreResult<WccData>(current.Status, unchanged);
    }
}
