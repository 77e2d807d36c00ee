using System.Buffers;
using DittoFs.Storage.S3.Buffering;

namespace DittoFs.Storage.S3;

public sealed partial class S3ContentStore
{
    /// <summary>Merges the remote block into a block written only in parts, taking the content's remote gate.</summary>
    private async Task<StoreStatus> MergeRemoteAsync(DirtyBlock block)
    {
        var state = block.Content;
        var entered = await EnterRemoteSharedAsync(state).ConfigureAwait(false);
        if (entered != StoreStatus.Ok)
        {
            return entered;
        }
        try
        {
            return await EnsureMergedAsync(block).ConfigureAwait(false);
        }
        finally
        {
            state.RemoteGate.ExitRead();
        }
    }

    /// <summary>
    /// Makes the block <see cref="DirtyBlock.Complete"/>, fetching the remote block when writes did not cover the part of
    /// it that S3 may hold. The caller holds the remote gate shared, so no truncation changes that part meanwhile.
    /// </summary>
    private async Task<StoreStatus> EnsureMergedAsync(DirtyBlock block)
    {
        var state = block.Content;
        int remoteBytes;
        lock (state.Sync)
        {
            if (block.Complete || block.Released)
            {
                return StoreStatus.Ok;
            }
            remoteBytes = state.RemoteBytesOf(block.Start, _blockSize);
            if (block.Written.Covers(0, remoteBytes))
            {
                block.MarkComplete();
                return StoreStatus.Ok;
            }
        }
        var remote = ArrayPool<byte>.Shared.Rent(remoteBytes);
        try
        {
            var read = await _bucket.ReadAsync(_layout.BlockKey(state.Id, block.Index), 0, remote.AsMemory(0, remoteBytes), CancellationToken.None).ConfigureAwait(false);
            if (!read.IsOk)
            {
                return read.Status;
            }
            lock (state.Sync)
            {
                // Writes that came in meanwhile are in Written and keep their bytes.
                if (!block.Complete && !block.Released)
                {
                    block.MergeRemote(remote.AsSpan(0, read.Value.BytesRead));
                }
            }
            return StoreStatus.Ok;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(remote);
        }
    }
}
