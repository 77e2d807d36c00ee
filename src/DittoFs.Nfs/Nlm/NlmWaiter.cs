using System.Net;
using DittoFs.Vfs.Locks;

namespace DittoFs.Nfs.Nlm;

/// <summary>
/// What a blocked NLM lock request leaves in the lock table (<see cref="LockRequest.Context"/>) so that its grant
/// can be told to the client later: where its lock manager is, in which NLM version and variant it asked
/// (GRANTED for LOCK, GRANTED_MSG for LOCK_MSG), and the lock as the client named it (GRANTED carries it back;
/// the client matches it by file handle, svid and range). Byte arrays are copies: the request's buffer is gone.
/// </summary>
internal sealed record NlmWaiter(
    IPAddress Host,
    string CallerName,
    uint Version,
    bool Asynchronous,
    bool Exclusive,
    byte[] FileHandle,
    byte[] OwnerHandle,
    int Svid,
    ulong Offset,
    ulong Length,
    ILockTable Table);
