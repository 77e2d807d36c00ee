namespace DittoFs.Rpc;

/// <summary>How the server answered one call (RFC 5531 §9), as reported to <see cref="IRpcServerObserver"/>.</summary>
public enum RpcCallStatus
{
    /// <summary>MSG_ACCEPTED / SUCCESS: the procedure ran (its own status, e.g. an NFS error, is in the result).</summary>
    Success,
    /// <summary>MSG_ACCEPTED / PROG_UNAVAIL.</summary>
    ProgramUnavailable,
    /// <summary>MSG_ACCEPTED / PROG_MISMATCH.</summary>
    ProgramMismatch,
    /// <summary>MSG_ACCEPTED / PROC_UNAVAIL.</summary>
    ProcedureUnavailable,
    /// <summary>MSG_ACCEPTED / GARBAGE_ARGS.</summary>
    GarbageArguments,
    /// <summary>MSG_ACCEPTED / SYSTEM_ERR: the service threw.</summary>
    SystemError,
    /// <summary>MSG_DENIED / RPC_MISMATCH.</summary>
    RpcVersionMismatch,
    /// <summary>MSG_DENIED / AUTH_ERROR.</summary>
    AuthenticationError,
    /// <summary>No reply: the call was cancelled because its connection or the server went away.</summary>
    Dropped,
}
