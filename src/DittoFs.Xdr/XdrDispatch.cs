using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace DittoFs.Xdr;

/// <summary>
/// Completion helpers for generated dispatchers: a service call that finished synchronously is encoded at
/// once with no state machine; one that did not is finished by a pooled <see cref="PendingResult{TResult, TCodec}"/>
/// (no async method: the pooling builder keeps one box per thread and core, so calls that wait at the same
/// time would allocate), so neither allocates in steady state.
/// </summary>
public static class XdrDispatch
{
    private static readonly ValueTask<XdrDispatchResult> Success = new(XdrDispatchResult.Success);

    public static ValueTask<XdrDispatchResult> Complete<TResult, TCodec>(ValueTask<TResult> pending, XdrBufferWriter results)
        where TCodec : IXdrCodec<TResult>
    {
        if (!pending.IsCompletedSuccessfully)
            return PendingResult<TResult, TCodec>.Start(pending, results);
        results.Write<TResult, TCodec>(pending.Result);
        return Success;
    }

    public static ValueTask<XdrDispatchResult> Complete(ValueTask pending)
    {
        if (!pending.IsCompletedSuccessfully)
            return AwaitVoid(pending);
        pending.GetAwaiter().GetResult();
        return Success;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<XdrDispatchResult> AwaitVoid(ValueTask pending)
    {
        await pending.ConfigureAwait(false);
        return XdrDispatchResult.Success;
    }

    /// <summary>
    /// Waits for a service's result and encodes it: the dispatch task of a call that did not complete at once.
    /// Instances are pooled per result type; one goes back to its pool when its task's result has been taken (a
    /// dispatch task is awaited exactly once, by the RPC layer).
    /// </summary>
    private sealed class PendingResult<TResult, TCodec> : IValueTaskSource<XdrDispatchResult>
        where TCodec : IXdrCodec<TResult>
    {
        private const int PoolSize = 256;
        private static readonly PendingResult<TResult, TCodec>?[] Pool = new PendingResult<TResult, TCodec>?[PoolSize];
        private static readonly Lock PoolGate = new();
        private static int _pooled;

        private readonly Action _onServiceCompleted;
        private ManualResetValueTaskSourceCore<XdrDispatchResult> _core;
        private ConfiguredValueTaskAwaitable<TResult>.ConfiguredValueTaskAwaiter _service;
        private XdrBufferWriter? _results;

        private PendingResult() => _onServiceCompleted = OnServiceCompleted;

        public static ValueTask<XdrDispatchResult> Start(ValueTask<TResult> pending, XdrBufferWriter results)
        {
            var completion = Rent();
            completion._results = results;
            completion._service = pending.ConfigureAwait(false).GetAwaiter();
            short token = completion._core.Version;
            completion._service.UnsafeOnCompleted(completion._onServiceCompleted);
            return new ValueTask<XdrDispatchResult>(completion, token);
        }

        private void OnServiceCompleted()
        {
            var service = _service;
            _service = default;
            try
            {
                _results!.Write<TResult, TCodec>(service.GetResult());
            }
            catch (Exception exception)
            {
                _core.SetException(exception);
                return;
            }
            _core.SetResult(XdrDispatchResult.Success);
        }

        public XdrDispatchResult GetResult(short token)
        {
            // A wrong token or a result taken too early is a caller's bug: refused, and the instance left alone.
            if (_core.GetStatus(token) == ValueTaskSourceStatus.Pending)
                throw new InvalidOperationException("The dispatch has not completed.");
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                _core.Reset();
                _results = null;
                Return(this);
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        private static PendingResult<TResult, TCodec> Rent()
        {
            lock (PoolGate)
            {
                if (_pooled > 0)
                {
                    var pooled = Pool[--_pooled]!;
                    Pool[_pooled] = null;
                    return pooled;
                }
            }
            return new PendingResult<TResult, TCodec>();
        }

        private static void Return(PendingResult<TResult, TCodec> completion)
        {
            lock (PoolGate)
            {
                if (_pooled < PoolSize)
                    Pool[_pooled++] = completion;
            }
        }
    }
}
