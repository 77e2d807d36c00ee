using DittoFs.Storage.S3.Buffering;

namespace DittoFs.Storage.S3;

public sealed partial class S3ContentStore
{
    /// <summary>
    /// Uploads the content's dirty blocks (several at once), waits for those other callers are uploading, then
    /// writes the length object; Ok only when S3 acknowledged all of it.
    /// </summary>
    public async ValueTask<StoreStatus> FlushAsync(ContentId content, CancellationToken cancellationToken = default)
    {
        var acquired = await _contents.AcquireAsync(content).ConfigureAwait(false);
        if (!acquired.IsOk)
        {
            return acquired.Status;
        }
        var state = acquired.Value;
        try
        {
            var entered = await EnterRemoteSharedAsync(state).ConfigureAwait(false);
            if (entered != StoreStatus.Ok)
            {
                return entered;
            }
            try
            {
                var mine = new List<DirtyBlock>();
                var others = new List<Task<StoreStatus>>();
                lock (state.Sync)
                {
                    foreach (var block in state.Blocks.Values)
                    {
                        if (block.Upload is { } upload)
                        {
                            others.Add(upload.Task);
                        }
                        else
                        {
                            Seal(block);
                            mine.Add(block);
                        }
                    }
                }
                var statuses = new StoreStatus[mine.Count];
                await Parallel.ForAsync(0, mine.Count, new ParallelOptions { MaxDegreeOfParallelism = FlushParallelism }, async (i, _) =>
                    statuses[i] = await UploadSealedAsync(mine[i]).ConfigureAwait(false)).ConfigureAwait(false);
                var outcome = statuses.Concat(await Task.WhenAll(others).ConfigureAwait(false)).Aggregate(StoreStatus.Ok, Worse);
                return outcome == StoreStatus.Ok ? await PersistLengthAsync(state).ConfigureAwait(false) : outcome;
            }
            finally
            {
                state.RemoteGate.ExitRead();
            }
        }
        finally
        {
            _contents.Release(state);
        }
    }

    /// <summary>Uploads one dirty block to make room in the buffer; Ok also when someone else took care of it.</summary>
    private async Task<StoreStatus> EvictAsync(DirtyBlock victim)
    {
        var state = victim.Content;
        if (!ContentTable.TryRetain(state))
        {
            return StoreStatus.Ok;
        }
        try
        {
            var entered = await EnterRemoteSharedAsync(state).ConfigureAwait(false);
            if (entered != StoreStatus.Ok)
            {
                return entered;
            }
            try
            {
                lock (state.Sync)
                {
                    if (victim.Released || victim.IsSealed)
                    {
                        return StoreStatus.Ok;
                    }
                    Seal(victim);
                }
                return await UploadSealedAsync(victim).ConfigureAwait(false);
            }
            finally
            {
                state.RemoteGate.ExitRead();
            }
        }
        finally
        {
            _contents.Release(state);
        }
    }

    /// <summary>Under the content's lock: the block stops changing and leaves the eviction queue.</summary>
    private void Seal(DirtyBlock block)
    {
        block.Upload = new TaskCompletionSource<StoreStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        _buffer.Dequeue(block);
    }

    /// <summary>
    /// Uploads a block sealed by the caller, who holds the content's remote gate shared: merges the remote block
    /// first if the block was written only in parts, raises the length object first if the block reaches past it.
    /// Success frees the block; failure leaves it dirty at the front of the queue. Either way the seal is lifted.
    /// Runs without the caller's cancellation: an upload serves every writer waiting on the block.
    /// </summary>
    private async Task<StoreStatus> UploadSealedAsync(DirtyBlock block)
    {
        var state = block.Content;
        var status = StoreStatus.Io;
        try
        {
            status = await EnsureMergedAsync(block).ConfigureAwait(false);
            int length;
            lock (state.Sync)
            {
                length = state.Length > block.Start ? (int)Math.Min((ulong)_blockSize, state.Length - block.Start) : 0;
            }
            if (status == StoreStatus.Ok && length > 0)
            {
                status = await EnsureLengthCoversAsync(state, block.Start + (ulong)length).ConfigureAwait(false);
                if (status == StoreStatus.Ok)
                {
                    status = await PutBlockAsync(_layout.BlockKey(state.Id, block.Index), block.Buffer.AsMemory(0, length)).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            lock (state.Sync)
            {
                var upload = block.Upload!;
                block.Upload = null;
                if (status == StoreStatus.Ok)
                {
                    state.Blocks.Remove(block.Index);
                    block.Released = true;
                    _buffer.Free(block);
                }
                else
                {
                    _buffer.Requeue(block);
                }
                upload.SetResult(status);
            }
        }
        return status;
    }

    /// <summary>
    /// Writes a block object, dropping cached copies of it first (so none outlives the write, whatever its outcome)
    /// and keeping the bytes S3 acknowledged, under their new ETag, after.
    /// </summary>
    private async Task<StoreStatus> PutBlockAsync(string key, ReadOnlyMemory<byte> data)
    {
        _cache?.Forget(key);
        var put = await _bucket.PutVersionAsync(key, data, CancellationToken.None).ConfigureAwait(false);
        if (put.IsOk && put.Value is { } etag)
        {
            _cache?.Remember(key, etag, data.Span);
        }
        return put.Status;
    }
}
