using DittoFs.Storage.S3.Buffering;

namespace DittoFs.Storage.S3;

public sealed partial class S3ContentStore
{
    /// <summary>
    /// Reads block by block, the blocks of one read at once: dirty bytes come from the buffer, the rest with one
    /// ranged GET per block for exactly the bytes asked, and holes (no object, or past its end) are zeros.
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
            var read = await _bucket.ReadAsync(_layout.BlockKey(state.Id, index), within, target[..remoteBytes], cancellationToken).ConfigureAwait(false);
            if (!read.IsOk)
            {
                return read.Status;
            }
            target.Span[read.Value.BytesRead..remoteBytes].Clear();
            return StoreStatus.Ok;
        }
    }
}
