using System.Buffers;
using DittoFs.Storage.S3.Buffering;
using DittoFs.Storage.S3.Remote;

namespace DittoFs.Storage.S3;

public sealed partial class S3ContentStore
{
    /// <summary>
    /// Sets the length and makes it durable before returning (SETATTR is synchronous): dirty blocks past the new
    /// end are dropped, the remote block holding the end is cut there, remote blocks past it are deleted, and only
    /// then is the length object lowered, so no remote byte past the length ever exists to reappear as non-zero
    /// when the content grows again. If S3 fails part-way the store keeps reading zeros past the new end and
    /// completes the removal before its next upload to this content.
    /// </summary>
    public async ValueTask<StoreStatus> TruncateAsync(ContentId content, ulong size, CancellationToken cancellationToken = default)
    {
        if (size > PosixRules.MaxFileSize)
        {
            return StoreStatus.FBig;
        }
        var acquired = await _contents.AcquireAsync(content).ConfigureAwait(false);
        if (!acquired.IsOk)
        {
            return acquired.Status;
        }
        var state = acquired.Value;
        try
        {
            await state.RemoteGate.EnterWriteAsync().ConfigureAwait(false);
            try
            {
                lock (state.Sync)
                {
                    DiscardFrom(state, size);
                    state.Length = size;
                    state.RemoteLength = Math.Min(state.RemoteLength, size);
                }
                return await SyncRemoteAsync(state).ConfigureAwait(false);
            }
            finally
            {
                state.RemoteGate.ExitWrite();
            }
        }
        finally
        {
            _contents.Release(state);
        }
    }

    /// <summary>Deleting is truncating to nothing: every block object and the length object go.</summary>
    public ValueTask<StoreStatus> DeleteAsync(ContentId content, CancellationToken cancellationToken = default) =>
        TruncateAsync(content, 0, cancellationToken);

    /// <summary>
    /// Under the content's lock, with the remote gate held alone (so no block is sealed): drops dirty blocks at or
    /// past <paramref name="size"/> and clears the tail of the one holding it.
    /// </summary>
    private void DiscardFrom(ContentState state, ulong size)
    {
        List<DirtyBlock>? doomed = null;
        foreach (var block in state.Blocks.Values)
        {
            if (block.Start >= size)
            {
                (doomed ??= []).Add(block);
            }
            else if (size - block.Start < (ulong)_blockSize)
            {
                block.TruncateAt((int)(size - block.Start));
            }
        }
        foreach (var block in doomed ?? [])
        {
            state.Blocks.Remove(block.Index);
            block.Released = true;
            _buffer.Free(block);
        }
    }

    /// <summary>
    /// With the remote gate held alone: completes a pending remote truncation, then brings the length object to
    /// the content's length.
    /// </summary>
    private async Task<StoreStatus> SyncRemoteAsync(ContentState state)
    {
        ulong trimTo;
        bool pending;
        lock (state.Sync)
        {
            pending = state.TrimPending;
            trimTo = state.RemoteLength;
        }
        if (pending)
        {
            var status = await TrimRemoteAsync(state.Id, trimTo).ConfigureAwait(false);
            if (status != StoreStatus.Ok)
            {
                return status;
            }
            lock (state.Sync)
            {
                // Nothing remote lies past trimTo now, so up to the old length object every remote byte reads true.
                state.RemoteLength = state.PersistedLength;
            }
        }
        return await PersistLengthAsync(state).ConfigureAwait(false);
    }

    /// <summary>
    /// Cuts the remote block holding <paramref name="size"/> there and deletes every remote block past it. The
    /// content's objects are listed a page at a time, and each page's doomed blocks are deleted before the next page
    /// is read: memory and each request's time stay bounded however many blocks the content has. A failure part-way
    /// leaves some doomed blocks deleted and the rest in place, all of them past <paramref name="size"/> and none past
    /// the length object, which the caller lowers only once this returns Ok; calling again completes the removal.
    /// </summary>
    private async Task<StoreStatus> TrimRemoteAsync(ContentId content, ulong size)
    {
        ulong lastIndex = size / (ulong)_blockSize;
        int within = (int)(size % (ulong)_blockSize);
        if (within != 0)
        {
            var cut = await CutBlockAsync(_layout.BlockKey(content, lastIndex), within).ConfigureAwait(false);
            if (cut != StoreStatus.Ok)
            {
                return cut;
            }
        }
        ulong firstGone = within == 0 ? lastIndex : lastIndex + 1;
        var prefix = _layout.ContentPrefix(content);
        await using var listing = _bucket.ListObjects(prefix);
        while (true)
        {
            var page = await listing.NextPageAsync(CancellationToken.None).ConfigureAwait(false);
            if (!page.IsOk)
            {
                return page.Status;
            }
            if (page.Value.Count == 0)
            {
                return StoreStatus.Ok;
            }
            var doomed = page.Value
                .Where(listed => ObjectLayout.TryParseBlockIndex(listed.Key, prefix.Length, out var index) && index >= firstGone)
                .Select(listed => listed.Key)
                .ToList();
            if (doomed.Count == 0)
            {
                continue;
            }
            var deleted = await _bucket.DeleteAsync(doomed, CancellationToken.None).ConfigureAwait(false);
            if (deleted != StoreStatus.Ok)
            {
                return deleted;
            }
        }
    }

    /// <summary>Rewrites a remote block with only its first <paramref name="keep"/> bytes, if it holds more.</summary>
    private async Task<StoreStatus> CutBlockAsync(string key, int keep)
    {
        var head = ArrayPool<byte>.Shared.Rent(keep);
        try
        {
            var read = await _bucket.ReadAsync(key, 0, head.AsMemory(0, keep), CancellationToken.None).ConfigureAwait(false);
            if (!read.IsOk)
            {
                return read.Status;
            }
            if (!read.Value.Found || read.Value.ObjectLength <= keep)
            {
                return StoreStatus.Ok;
            }
            return await _bucket.PutAsync(key, head.AsMemory(0, read.Value.BytesRead), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(head);
        }
    }

    /// <summary>
    /// Takes the content's remote gate shared, first completing a truncation whose remote part is pending (that
    /// needs the gate alone), so nothing is uploaded or merged over remote bytes a truncation has yet to remove.
    /// </summary>
    private async Task<StoreStatus> EnterRemoteSharedAsync(ContentState state)
    {
        while (true)
        {
            await state.RemoteGate.EnterReadAsync().ConfigureAwait(false);
            lock (state.Sync)
            {
                if (!state.TrimPending)
                {
                    return StoreStatus.Ok;
                }
            }
            state.RemoteGate.ExitRead();
            await state.RemoteGate.EnterWriteAsync().ConfigureAwait(false);
            StoreStatus status;
            try
            {
                status = await SyncRemoteAsync(state).ConfigureAwait(false);
            }
            finally
            {
                state.RemoteGate.ExitWrite();
            }
            if (status != StoreStatus.Ok)
            {
                return status;
            }
        }
    }
}
