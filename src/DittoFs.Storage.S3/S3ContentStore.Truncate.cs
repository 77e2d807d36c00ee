using System.Buffers;
using DittoFs.Storage.S3.Buffering;
using DittoFs.Storage.S3.Remote;

namespace DittoFs.Storage.S3;

public sealed partial class S3ContentStore
{
    /// <summary>
    /// Sets the length, all or nothing: Ok once the change is durable (SETATTR is synchronous), any other status with
    /// the content as it was, its length and every byte, dirty ones included. The commit point is the write of the
    /// length object (<see cref="CommitLengthAsync"/>); nothing local or remote is destroyed before it. Remote bytes
    /// past a lowered length are removed after it, while the length object is marked trimming; if that removal
    /// fails the truncation has still happened and answers Ok, and the removal is completed before the length is
    /// next raised (by this store or, after a restart, by the next one to read the mark), so no byte from before a
    /// truncation ever reappears when the content grows.
    /// <para>
    /// One outcome cannot be all or nothing: a write of the length object that S3 applied but did not acknowledge (no
    /// answer in time, a reset). The call answers the failure and this store keeps serving the content as it was,
    /// rewriting the length object at the next chance (a retry, a flush, an upload); if the process stops first, the
    /// next one finds the truncation made.
    /// </para>
    /// </summary>
    public async ValueTask<StoreStatus> TruncateAsync(ContentId content, ulong size, CancellationToken cancellationToken = default)
    {
        if (size > PosixRules.MaxFileSize)
        {
            return StoreStatus.FBig;
        }
        return await SetLengthAsync(content, size).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes every object of the content, listed a page at a time, each page in one request: a small file costs one
    /// LIST and one DELETE. Unlike a truncation it needs no commit point (a write of the length object first): deleted
    /// content is not read again (its file is gone; with several servers, reads begun before are waited for by the
    /// release grace), and a failure part-way, which the interface allows to leave part of the content, is completed
    /// by calling again. Dirty blocks are dropped first, with the remote gate held alone, so no upload lands after.
    /// </summary>
    public async ValueTask<StoreStatus> DeleteAsync(ContentId content, CancellationToken cancellationToken = default)
    {
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
                    DiscardFrom(state, 0);
                    state.Length = 0;
                }
                var status = await DeleteRemoteAsync(content).ConfigureAwait(false);
                lock (state.Sync)
                {
                    // After a failure the length object and some blocks may remain: whoever raises the length first
                    // removes every remote block (trimming past 0) and writes the length object whatever it holds.
                    bool left = status != StoreStatus.Ok;
                    state.PersistedLength = 0;
                    state.PersistedTrimming = left;
                    state.Trimming = left;
                    state.LengthUncertain = left;
                }
                return status;
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

    /// <summary>Deletes every object under the content's prefix (its blocks and its length object), page by page.</summary>
    private async Task<StoreStatus> DeleteRemoteAsync(ContentId content)
    {
        await using var listing = _bucket.ListObjects(_layout.ContentPrefix(content));
        while (true)
        {
            var page = await listing.NextPageAsync(CancellationToken.None).ConfigureAwait(false);
            if (!page.IsOk || page.Value.Count == 0)
            {
                return page.Status;
            }
            var keys = page.Value.Select(listed => listed.Key).ToList();
            foreach (var key in keys)
            {
                _cache?.Forget(key);
            }
            var deleted = await _bucket.DeleteAsync(keys, CancellationToken.None).ConfigureAwait(false);
            if (deleted != StoreStatus.Ok)
            {
                return deleted;
            }
        }
    }

    /// <summary>
    /// Commits the new length, then removes remote bytes past it. Holds the remote gate alone throughout, so it waits
    /// for uploads of the content in flight and none lands after the truncation that removed its block.
    /// </summary>
    private async Task<StoreStatus> SetLengthAsync(ContentId content, ulong size)
    {
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
                var committed = await CommitLengthAsync(state, size).ConfigureAwait(false);
                if (committed != StoreStatus.Ok)
                {
                    return committed;
                }
                // The truncation has happened. What is left to remove is not content, and the mark on the length
                // object makes whoever raises the length next remove it first.
                await CompleteTrimAsync(state).ConfigureAwait(false);
                return StoreStatus.Ok;
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

    /// <summary>
    /// With the remote gate held alone: the single step that makes a truncation happen, the write of the length
    /// object, marked trimming when remote bytes may lie past <paramref name="size"/>; only once it succeeded are
    /// dirty blocks past the end dropped and the length lowered in memory. Raising a length marked trimming first
    /// removes the remote bytes past it, which changes nothing any read returns: they are not content.
    /// </summary>
    private async Task<StoreStatus> CommitLengthAsync(ContentState state, ulong size)
    {
        bool trimming;
        ulong persisted;
        lock (state.Sync)
        {
            trimming = state.Trimming;
            persisted = state.PersistedLength;
        }
        if (trimming && size > persisted)
        {
            var removed = await RemoveTrimmedAsync(state).ConfigureAwait(false);
            if (removed != StoreStatus.Ok)
            {
                return removed;
            }
            trimming = false;
        }
        bool leaves = trimming || size < persisted;
        return await StoreLengthAsync(state, size, leaves, () =>
        {
            DiscardFrom(state, size);
            state.Length = size;
            state.Trimming = leaves;
        }).ConfigureAwait(false);
    }

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
    /// With the remote gate held alone: removes the remote bytes a committed truncation left past the length, then
    /// takes the trimming mark off the length object (deletes it at 0). Ok when there was nothing to do.
    /// </summary>
    private async Task<StoreStatus> CompleteTrimAsync(ContentState state)
    {
        var removed = await RemoveTrimmedAsync(state).ConfigureAwait(false);
        return removed == StoreStatus.Ok ? await PersistLengthAsync(state).ConfigureAwait(false) : removed;
    }

    /// <summary>
    /// With the remote gate held alone: cuts and deletes the remote bytes past the length when a truncation left
    /// some (<see cref="ContentState.Trimming"/>). The length object keeps its mark until it is next written.
    /// </summary>
    private async Task<StoreStatus> RemoveTrimmedAsync(ContentState state)
    {
        ulong trimTo;
        lock (state.Sync)
        {
            if (!state.Trimming)
            {
                return StoreStatus.Ok;
            }
            trimTo = state.PersistedLength;
        }
        var status = await TrimRemoteAsync(state.Id, trimTo).ConfigureAwait(false);
        if (status == StoreStatus.Ok)
        {
            lock (state.Sync)
            {
                state.Trimming = false;
            }
        }
        return status;
    }

    /// <summary>
    /// Cuts the remote block holding <paramref name="size"/> there and deletes every remote block past it. The
    /// content's objects are listed a page at a time, and each page's doomed blocks are deleted before the next page
    /// is read: memory and each request's time stay bounded however many blocks the content has. A failure part-way
    /// leaves some doomed blocks deleted and the rest in place, all of them past <paramref name="size"/>, which the
    /// length object (marked trimming) already says; calling again completes the removal.
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
            foreach (var key in doomed)
            {
                _cache?.Forget(key);
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
            return await PutBlockAsync(key, head.AsMemory(0, read.Value.BytesRead)).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(head);
        }
    }

    /// <summary>
    /// Takes the content's remote gate shared, first completing a truncation whose removal of remote bytes is pending
    /// (that needs the gate alone), so nothing is uploaded over, nor raises the length above, remote bytes a
    /// truncation has yet to remove. Content with no such truncation pays nothing for it.
    /// </summary>
    private async Task<StoreStatus> EnterRemoteSharedAsync(ContentState state)
    {
        while (true)
        {
            await state.RemoteGate.EnterReadAsync().ConfigureAwait(false);
            lock (state.Sync)
            {
                if (!state.Trimming)
                {
                    return StoreStatus.Ok;
                }
            }
            state.RemoteGate.ExitRead();
            await state.RemoteGate.EnterWriteAsync().ConfigureAwait(false);
            StoreStatus status;
            try
            {
                status = await CompleteTrimAsync(state).ConfigureAwait(false);
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
