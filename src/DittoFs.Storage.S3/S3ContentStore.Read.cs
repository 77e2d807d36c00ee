using DittoFs.Storage.S3.Buffering;

namespace DittoFs.Storage.S3;

public sealed partial class S3ContentStore
{
    /// <summary>
    /// Reads block by block, the blocks of one read at once: dirty bytes come from the buffer, the rest from the block
    /// cache (which fetches whole blocks) or, without one, with one ranged GET per block for exactly the bytes asked;
    /// holes (no object, or past its end) are zeros. A content read front to back has its next blocks fetched ahead.
    /// </summary>
    public async ValueTask<StoreResult<int>> ReadAsync(ContentId content, ulong offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        var acquired = await _contents.AcquireAsync(content).ConfigureAwait(false);
        if (!acquired.IsOk)
        {
            return acquired.Status;
        }
        var state = acquired.Value;
        try
        {
            ulong length;
            lock (state.Sync)
            {
                length = state.Length;
            }
            if (offset >= length || destination.IsEmpty)
            {
                return 0;
            }
            int count = (int)Math.Min((ulong)destination.Length, length - offset);
            int within = (int)(offset % (ulong)_blockSize);
            ulong index = offset / (ulong)_blockSize;
            if (_readAheadBlocks > 0 && _sequentialReads.Record(content, offset, count))
            {
                ReadAhead(state, (offset + (ulong)count - 1) / (ulong)_blockSize + 1);
            }
            if (within + count <= _blockSize)
            {
                var status = await ReadFromBlockAsync(state, index, within, destination[..count], cancellationToken).ConfigureAwait(false);
                return status == StoreStatus.Ok ? count : status;
            }
            var pieces = new List<Task<StoreStatus>>();
            for (int done = 0; done < count; within = 0, index++)
            {
                int piece = Math.Min(count - done, _blockSize - within);
                pieces.Add(ReadFromBlockAsync(state, index, within, destination.Slice(done, piece), cancellationToken).AsTask());
                done += piece;
            }
            var outcome = (await Task.WhenAll(pieces).ConfigureAwait(false)).Aggregate(StoreStatus.Ok, Worse);
            return outcome == StoreStatus.Ok ? count : outcome;
        }
        finally
        {
            _contents.Release(state);
        }
    }

    /// <summary>
    /// Fills <paramref name="target"/> from block <paramref name="index"/> at <paramref name="within"/>. A dirty
    /// block serves the read when writes cover what S3 might hold of the range; otherwise the remote block is merged
    /// into it first. Dirty bytes are copied at read time, and a block leaves the buffer only after S3 acknowledged
    /// it, so a read never misses a write that finished before it began.
    /// </summary>
    private async ValueTask<StoreStatus> ReadFromBlockAsync(ContentState state, ulong index, int within, Memory<byte> target, CancellationToken cancellationToken)
    {
        while (true)
        {
            DirtyBlock? unmerged = null;
            int remoteBytes;
            lock (state.Sync)
            {
                ulong start = index * (ulong)_blockSize;
                int remoteEnd = state.RemoteBytesOf(start, _blockSize);
                if (state.Blocks.TryGetValue(index, out var block))
                {
                    if (block.Complete || block.Written.Covers(within, Math.Min(within + target.Length, remoteEnd)))
                    {
                        block.Buffer.AsSpan(within, target.Length).CopyTo(target.Span);
                        return StoreStatus.Ok;
                    }
                    unmerged = block;
                }
                remoteBytes = Math.Clamp(remoteEnd - within, 0, target.Length);
            }
            if (unmerged is not null)
            {
                var merged = await MergeRemoteAsync(unmerged).ConfigureAwait(false);
                if (merged != StoreStatus.Ok)
                {
                    return merged;
                }
                continue;
            }
            target.Span[remoteBytes..].Clear();
            if (remoteBytes == 0)
            {
                return StoreStatus.Ok;
            }
            var key = _layout.BlockKey(state.Id, index);
            int bytesRead;
            if (_cache is not null)
            {
                var cached = await _cache.ReadAsync(key, within, target[..remoteBytes], cancellationToken).ConfigureAwait(false);
                if (!cached.IsOk)
                {
                    return cached.Status;
                }
                bytesRead = cached.Value;
            }
            else
            {
                var read = await _bucket.ReadAsync(key, within, target[..remoteBytes], cancellationToken).ConfigureAwait(false);
                if (!read.IsOk)
                {
                    return read.Status;
                }
                bytesRead = read.Value.BytesRead;
            }
            target.Span[bytesRead..remoteBytes].Clear();
            return StoreStatus.Ok;
        }
    }

    /// <summary>
    /// Starts fetching the <c>ReadAheadBlocks</c> blocks from <paramref name="first"/> into the cache, those that S3 may
    /// hold (below the stored length) and that are not dirty here; the cache skips those it has or is fetching.
    /// </summary>
    private void ReadAhead(ContentState state, ulong first)
    {
        var keys = new List<string>(_readAheadBlocks);
        lock (state.Sync)
        {
            for (ulong index = first; index < first + (ulong)_readAheadBlocks; index++)
            {
                if (state.RemoteBytesOf(index * (ulong)_blockSize, _blockSize) == 0)
                {
                    break;
                }
                if (!state.Blocks.ContainsKey(index))
                {
                    keys.Add(_layout.BlockKey(state.Id, index));
                }
            }
        }
        foreach (var key in keys)
        {
            _cache!.Prefetch(key);
        }
    }
}
