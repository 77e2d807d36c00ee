using DittoFs.Storage.S3.Buffering;
using DittoFs.Storage.S3.Remote;

namespace DittoFs.Storage.S3;

public sealed partial class S3ContentStore
{
    /// <summary>Raises the length object to at least <paramref name="end"/> before a block reaching there is uploaded.</summary>
    private async Task<StoreStatus> EnsureLengthCoversAsync(ContentState state, ulong end)
    {
        lock (state.Sync)
        {
            if (state.PersistedLength >= end)
            {
                return StoreStatus.Ok;
            }
        }
        return await PersistLengthAsync(state).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the content's length to the length object (deletes it at 0, so empty content has no objects). The
    /// caller holds the remote gate and no trim is pending: nothing remote lies past what this makes the length.
    /// </summary>
    private async Task<StoreStatus> PersistLengthAsync(ContentState state)
    {
        await state.LengthGate.WaitAsync().ConfigureAwait(false);
        try
        {
            ulong length;
            lock (state.Sync)
            {
                if (state.Length == state.PersistedLength)
                {
                    return StoreStatus.Ok;
                }
                length = state.Length;
            }
            var key = _layout.LengthKey(state.Id);
            var status = length == 0
                ? await _bucket.DeleteAsync([key], CancellationToken.None).ConfigureAwait(false)
                : await _bucket.PutAsync(key, ObjectLayout.EncodeLength(length), CancellationToken.None).ConfigureAwait(false);
            if (status == StoreStatus.Ok)
            {
                lock (state.Sync)
                {
                    state.PersistedLength = state.RemoteLength = length;
                }
            }
            return status;
        }
        finally
        {
            state.LengthGate.Release();
        }
    }
}
