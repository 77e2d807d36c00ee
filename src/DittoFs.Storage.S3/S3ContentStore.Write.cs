using DittoFs.Storage.S3.Buffering;

namespace DittoFs.Storage.S3;

public sealed partial class S3ContentStore
{
    /// <summary>
    /// Copies the data into the content's dirty blocks. No request is sent unless the buffer is full (then the
    /// oldest dirty block is uploaded first) or the writes to one block got too fragmented (then its remote
    /// object is merged in). A write spanning blocks that fails part-way may leave its first blocks written.
    /// </summary>
    public async ValueTask<StoreStatus> WriteAsync(ContentId content, ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (data.IsEmpty)
        {
            return StoreStatus.Ok;
        }
        if (PosixRules.CheckWriteRange(offset, (ulong)data.Length) is var range and not StoreStatus.Ok)
        {
            return range;
        }
        var acquired = await _contents.AcquireAsync(content).ConfigureAwait(false);
        if (!acquired.IsOk)
        {
            return acquired.Status;
        }
        var state = acquired.Value;
        try
        {
            while (!data.IsEmpty)
            {
                ulong index = offset / (ulong)_blockSize;
                int within = (int)(offset % (ulong)_blockSize);
                int piece = Math.Min(data.Length, _blockSize - within);
                var status = await WriteIntoBlockAsync(state, index, within, data[..piece], cancellationToken).ConfigureAwait(false);
                if (status != StoreStatus.Ok)
                {
                    return status;
                }
                data = data[piece..];
                offset += (ulong)piece;
            }
            return StoreStatus.Ok;
        }
        finally
        {
            _contents.Release(state);
        }
    }

    private async ValueTask<StoreStatus> WriteIntoBlockAsync(ContentState state, ulong index, int within, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        bool reserved = false;
        try
        {
            while (true)
            {
                Task? upload = null;
                DirtyBlock? written = null;
                bool fragmented = false;
                lock (state.Sync)
                {
                    if (!state.Blocks.TryGetValue(index, out var block) && reserved)
                    {
                        // With no remote object to merge with later, the zeros of a fresh buffer are the content.
                        bool complete = index * (ulong)_blockSize >= state.PersistedLength;
                        block = new DirtyBlock(state, index, _blockSize, _buffer.RentBuffer(), complete);
                        state.Blocks.Add(index, block);
                        _buffer.Enqueue(block);
                        reserved = false;
                    }
                    if (block is { Upload: { } sealedFor })
                    {
                        upload = sealedFor.Task;
                    }
                    else if (block is not null)
                    {
                        fragmented = block.Write(within, data.Span);
                        state.Length = Math.Max(state.Length, block.Start + (ulong)(within + data.Length));
                        written = block;
                    }
                }
                if (written is not null)
                {
                    if (fragmented)
                    {
                        return await MergeRemoteAsync(written).ConfigureAwait(false);
                    }
                    if (within + data.Length == _blockSize)
                    {
                        WriteBehind(written);
                    }
                    return StoreStatus.Ok;
                }
                if (upload is not null)
                {
                    // The block is being uploaded and must not change under its checksum; whatever the outcome,
                    // afterwards it is gone (a new one is made) or dirty again and writable.
                    await upload.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                var status = await ReserveBlockAsync(cancellationToken).ConfigureAwait(false);
                if (status != StoreStatus.Ok)
                {
                    return status;
                }
                reserved = true;
            }
        }
        finally
        {
            if (reserved)
            {
                _buffer.Unreserve();
            }
        }
    }

    /// <summary>
    /// A writer that reached the end of a block is likely streaming: once the buffer is half full, that block is
    /// uploaded in the background, so uploads overlap the writes that follow instead of each new block waiting
    /// for one. A failure leaves the block dirty, for the next flush or eviction.
    /// </summary>
    private void WriteBehind(DirtyBlock block)
    {
        if (_buffer.DirtyBytes * 2 >= _buffer.MaxDirtyBytes)
        {
            _ = EvictAsync(block);
        }
    }

    /// <summary>Reserves memory for one new dirty block, uploading the oldest dirty blocks until there is room.</summary>
    private async ValueTask<StoreStatus> ReserveBlockAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = _buffer.Changed;
            if (_buffer.TryReserve())
            {
                return StoreStatus.Ok;
            }
            if (_buffer.Oldest() is { } victim)
            {
                var status = await EvictAsync(victim).ConfigureAwait(false);
                if (status != StoreStatus.Ok)
                {
                    return status;
                }
            }
            else
            {
                // Every dirty block is being uploaded; each upload ends within the request timeout.
                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
