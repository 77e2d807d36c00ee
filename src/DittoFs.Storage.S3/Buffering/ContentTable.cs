using System.Collections.Concurrent;

namespace DittoFs.Storage.S3.Buffering;

/// <summary>
/// The contents the store has in hand, each loaded (its length read from S3) once and then kept while in use or
/// dirty. Idle clean states are dropped once there are more than a bound, so the table stays small however many
/// files pass through; dropping one costs only a re-read of its length object on next use.
/// </summary>
internal sealed class ContentTable(Func<ContentState, Task<StoreStatus>> load, int maxIdleStates)
{
    private readonly ConcurrentDictionary<ContentId, ContentState> _states = new();

    /// <summary>A loaded state held for the caller, who must <see cref="Release"/> it; or why it could not be loaded.</summary>
    public async ValueTask<StoreResult<ContentState>> AcquireAsync(ContentId id)
    {
        var state = Enter(id);
        var status = await EnsureLoadedAsync(state).ConfigureAwait(false);
        if (status != StoreStatus.Ok)
        {
            Release(state);
            return status;
        }
        return state;
    }

    /// <summary>Holds a state found through one of its dirty blocks; false when it was dropped meanwhile.</summary>
    public static bool TryRetain(ContentState state)
    {
        lock (state.Sync)
        {
            if (state.Retired)
            {
                return false;
            }
            state.Users++;
            return true;
        }
    }

    public void Release(ContentState state)
    {
        lock (state.Sync)
        {
            state.Users--;
            // A pending trim is marked on the length object and is read back with it; a length object of unknown value is
            // not, and this state is the only record that it must be rewritten.
            bool idle = state.Users == 0 && state.Blocks.Count == 0 && !state.LengthUncertain && state.Loading is null;
            if (!idle || (state.Loaded && _states.Count <= maxIdleStates))
            {
                return;
            }
            state.Retired = true;
        }
        _states.TryRemove(new KeyValuePair<ContentId, ContentState>(state.Id, state));
    }

    private ContentState Enter(ContentId id)
    {
        while (true)
        {
            var state = _states.GetOrAdd(id, static id => new ContentState(id));
            lock (state.Sync)
            {
                if (!state.Retired)
                {
                    state.Users++;
                    return state;
                }
            }
        }
    }

    private async ValueTask<StoreStatus> EnsureLoadedAsync(ContentState state)
    {
        TaskCompletionSource<StoreStatus>? mine = null;
        Task<StoreStatus> loading;
        lock (state.Sync)
        {
            if (state.Loaded)
            {
                return StoreStatus.Ok;
            }
            if (state.Loading is null)
            {
                mine = new TaskCompletionSource<StoreStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
                state.Loading = mine.Task;
            }
            loading = state.Loading;
        }
        if (mine is not null)
        {
            var status = StoreStatus.Io;
            try
            {
                status = await load(state).ConfigureAwait(false);
            }
            finally
            {
                // Always settle, or everyone waiting on this load would wait forever.
                lock (state.Sync)
                {
                    state.Loaded = status == StoreStatus.Ok;
                    state.Loading = null;
                }
                mine.SetResult(status);
            }
        }
        return await loading.ConfigureAwait(false);
    }
}
