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
            if (state.PersistedLength >= end && !state.LengthUncertain)
            {
                return StoreStatus.Ok;
            }
        }
        return await PersistLengthAsync(state).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the content's length to the length object, unmarked. The caller holds the remote gate and no trim is
    /// pending (<see cref="ContentState.Trimming"/> is false): nothing remote lies past what this makes the length.
    /// </summary>
    private Task<StoreStatus> PersistLengthAsync(ContentState state) => StoreLengthAsync(state, null, trimming: false, applied: null);

    /// <summary>
    /// Makes the length object say <paramref name="length"/> (the content's length when null) and
    /// <paramref name="trimming"/>, unless it says so already; deletes it for 0 unmarked, so empty content has no
    /// objects. On success <paramref name="applied"/> runs under the content's lock together with the update of
    /// what the state knows of the object, so no one sees one without the other.
    /// </summary>
    private async Task<StoreStatus> StoreLengthAsync(ContentState state, ulong? length, bool trimming, Action? applied)
    {
        await state.LengthGate.WaitAsync().ConfigureAwait(false);
        try
        {
            ulong value;
            lock (state.Sync)
            {
                value = length ?? state.Length;
                if (value == state.PersistedLength && trimming == state.PersistedTrimming && !state.LengthUncertain)
                {
                    applied?.Invoke();
                    return StoreStatus.Ok;
                }
            }
            var key = _layout.LengthKey(state.Id);
            var status = value == 0 && !trimming
                ? await _bucket.DeleteAsync([key], CancellationToken.None).ConfigureAwait(false)
                : await _bucket.PutAsync(key, ObjectLayout.EncodeLength(value, trimming), CancellationToken.None).ConfigureAwait(false);
            lock (state.Sync)
            {
                if (status == StoreStatus.Ok)
                {
                    state.PersistedLength = value;
                    state.PersistedTrimming = trimming;
                    state.LengthUncertain = false;
                    applied?.Invoke();
                }
                else
                {
                    // The request may have reached S3 (no answer in time, a reset): the object's value is unknown
                    // until the next write of it, which therefore always goes out.
                    state.LengthUncertain = true;
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
