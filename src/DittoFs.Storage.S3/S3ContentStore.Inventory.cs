using System.Runtime.CompilerServices;

namespace DittoFs.Storage.S3;

public sealed partial class S3ContentStore : IContentInventory
{
    /// <summary>
    /// Every content with an object under the key prefix, from one listing of the prefix (sent when enumeration
    /// starts). Keys come in order, so a content's objects are adjacent: only the content being read is held, and it
    /// is returned once the listing passes it. Keys that are not this store's layout are skipped.
    /// <para>
    /// The length is the bytes the content holds in S3: the end of its furthest block object (block index times
    /// the block size, plus the object's size), and 0 for a content with only a length object. That is what fsck
    /// holds against the file's size, bytes past which no read returns; it needs no request beyond the listing. The
    /// length object's value would cost a GET per content and says where the content ends, not what it holds (after
    /// truncating up it lies past every stored byte). Block indexes are read with the configured block size, as
    /// every other operation reads them.
    /// </para>
    /// Only what S3 holds is listed: writes not yet flushed are not (fsck opens the store afresh, so there are none).
    /// A failed listing throws an <see cref="IOException"/> naming the bucket and endpoint.
    /// </summary>
    public async IAsyncEnumerable<StoredContent> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ContentId current = ContentId.None;
        ulong stored = 0;
        await foreach (var listed in _bucket.ListObjectsAsync(_layout.KeyPrefix, cancellationToken).ConfigureAwait(false))
        {
            if (!_layout.TryParseKey(listed.Key, out var content, out var blockIndex))
            {
                continue;
            }
            if (content != current)
            {
                if (!current.IsNone)
                {
                    yield return new StoredContent(current, stored);
                }
                current = content;
                stored = 0;
            }
            if (blockIndex is { } index)
            {
                stored = Math.Max(stored, BlockEnd(index, listed.Size));
            }
        }
        if (!current.IsNone)
        {
            yield return new StoredContent(current, stored);
        }
    }

    /// <summary>Where a block object's bytes end in its content; at most ulong.MaxValue for indexes the store never writes.</summary>
    private ulong BlockEnd(ulong index, ulong objectSize) =>
        (ulong)UInt128.Min((UInt128)index * (ulong)_blockSize + objectSize, ulong.MaxValue);
}
