namespace DittoFs.Storage;

/// <summary>
/// The bytes of regular files, addressed by the <see cref="ContentId"/> the metadata store chose. Content that
/// was never written reads as empty; ranges never written (holes) read as zeros. The content's length is the
/// end of the furthest write or the last truncation; the metadata store's size is what clients see.
/// Failures are returned: Io, NoSpc, FBig, or Jukebox for a transient back-end failure worth retrying.
/// </summary>
public interface IContentStore
{
    /// <summary>
    /// Reads into <paramref name="destination"/> from <paramref name="offset"/>; returns the bytes read, which is
    /// fewer than asked only at the content's end (0 at or past it).
    /// </summary>
    ValueTask<StoreResult<int>> ReadAsync(ContentId content, ulong offset, Memory<byte> destination, CancellationToken cancellationToken = default);

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/>; may stay volatile until <see cref="FlushAsync"/>.</summary>
    ValueTask<StoreStatus> WriteAsync(ContentId content, ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the length: shrinking discards the bytes beyond, growing adds a hole; durable when it answers Ok (SETATTR
    /// is synchronous). A failed truncation leaves the content as it was, its length and every byte (unflushed
    /// writes included), so a caller that recorded the new size first can put the old one back.
    /// </summary>
    ValueTask<StoreStatus> TruncateAsync(ContentId content, ulong size, CancellationToken cancellationToken = default);

    /// <summary>
    /// Forgets the content. Deleting content that does not exist is Ok. A failed deletion may have removed part of
    /// the content; calling again completes it.
    /// </summary>
    ValueTask<StoreStatus> DeleteAsync(ContentId content, CancellationToken cancellationToken = default);

    /// <summary>Makes every write taken so far durable (COMMIT, and WRITE with FILE_SYNC / DATA_SYNC).</summary>
    ValueTask<StoreStatus> FlushAsync(ContentId content, CancellationToken cancellationToken = default);

    /// <summary>Space figures for FSSTAT.</summary>
    ValueTask<StoreResult<SpaceStats>> GetStatsAsync(CancellationToken cancellationToken = default);
}
