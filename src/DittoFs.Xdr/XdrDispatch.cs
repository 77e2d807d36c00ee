using System.Runtime.CompilerServices;

namespace DittoFs.Xdr;

/// <summary>
/// Completion helpers for generated dispatchers: a service call that finished synchronously is encoded at
/// once with no state machine; one that did not is awaited by a pooled async method, so neither allocates.
/// </summary>
public static class XdrDispatch
{
    private static readonly ValueTask<XdrDispatchResult> Success = new(XdrDispatchResult.Success);

    public static ValueTask<XdrDispatchResult> Complete<TResult, TCodec>(ValueTask<TResult> pending, XdrBufferWriter results)
        where TCodec : IXdrCodec<TResult>
    {
        if (!pending.IsCompletedSuccessfully)
            return AwaitResult<TResult, TCodec>(pending, results);
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
    private static async ValueTask<XdrDispatchResult> AwaitResult<TResult, TCodec>(ValueTask<TResult> pending, XdrBufferWriter results)
        where TCodec : IXdrCodec<TResult>
    {
        results.Write<TResult, TCodec>(await pending.ConfigureAwait(false));
        return XdrDispatchResult.Success;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<XdrDispatchResult> AwaitVoid(ValueTask pending)
    {
        await pending.ConfigureAwait(false);
        return XdrDispatchResult.Success;
    }
}
