namespace DittoFs.Xdr;

/// <summary>The outcome of dispatching one call, as the RPC layer must answer it (RFC 5531 §9).</summary>
public enum XdrDispatchResult
{
    /// <summary>The procedure ran and its result was appended to the reply buffer.</summary>
    Success,
    /// <summary>The version has no such procedure: PROC_UNAVAIL.</summary>
    ProcedureUnavailable,
    /// <summary>The arguments did not decode: GARBAGE_ARGS.</summary>
    GarbageArguments,
}

/// <summary>
/// One version of one RPC program on the server side: a generated dispatcher that decodes a procedure's
/// arguments, calls the service and encodes its result. <typeparamref name="TContext"/> is whatever the
/// server passes to its services with each call (credentials, client address, cancellation).
/// </summary>
public interface IXdrProgram<TContext>
{
    uint Program { get; }
    uint Version { get; }

    /// <summary>
    /// Runs <paramref name="procedure"/>. <paramref name="arguments"/> must stay valid until the returned task
    /// completes: decoded arguments are slices of it.
    /// </summary>
    ValueTask<XdrDispatchResult> DispatchAsync(uint procedure, ReadOnlyMemory<byte> arguments, TContext context, XdrBufferWriter results);
}

/// <summary>
/// The client side's way to make a call: encode the arguments, send, wait for the accepted reply and return
/// its result bytes (owned by the caller; decoded results are slices of them). Rejections and non-SUCCESS
/// accept states are thrown by the transport.
/// </summary>
public interface IXdrCallTransport
{
    ValueTask<ReadOnlyMemory<byte>> CallAsync<TArguments, TCodec>(uint program, uint version, uint procedure, TArguments arguments, CancellationToken cancellationToken)
        where TCodec : IXdrCodec<TArguments>;
}
