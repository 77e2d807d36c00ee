using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Storage;

namespace DittoFs.Nfs;

// COMMIT: making earlier unstable writes durable. (READ and WRITE, which need stateids, are the state work's.)
public sealed partial class Nfs4Service
{
    /// <summary>
    /// COMMIT (RFC 7530 §16.3, RFC 8881 §18.3): the file system's COMMIT, as v3's: every write taken so far is made
    /// durable, which covers any range (count 0 meaning to the end of the file); writeverf is the server instance's
    /// verifier, the same v3 WRITE and COMMIT answer. No stateid. An offset + count past 2^64 is NFS4ERR_INVAL; a
    /// directory (pseudo ones too) NFS4ERR_ISDIR, a symbolic link NFS4ERR_SYMLINK (both in COMMIT's
    /// errors, RFC 7530 §13.2); another non-regular file NFS4ERR_INVAL in 4.0 and NFS4ERR_WRONG_TYPE in 4.1, which
    /// has that error for it (RFC 8881 §15.1). Allowed on read-only exports,
    /// as v3's: it changes nothing a client can see.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> CommitAsync(Commit4Args arguments, Nfs4Call call)
    {
        ulong offset = arguments.Offset, count = arguments.Count;
        CallTarget target = default;
        var status = !call.Current.IsSet ? Nfsstat4.Nfs4errNofilehandle
            : call.Current.Pseudo is not null ? Nfsstat4.Nfs4errIsdir
            : offset > ulong.MaxValue - count ? Nfsstat4.Nfs4errInval
            : Target(call.Current, call, out target);
        if (status == Nfsstat4.Nfs4Ok)
        {
            var attributes = await target.FileSystem.GetAttributesAsync(target.File, call.Context.CancellationToken).ConfigureAwait(false);
            status = attributes.IsOk ? NotRegularStatus(attributes.Value.Type, call.MinorVersion) : StatusOf(attributes.Status);
        }
        if (status == Nfsstat4.Nfs4Ok)
        {
            var committed = await target.FileSystem.CommitAsync(target.Auth, target.File, call.Context.CancellationToken).ConfigureAwait(false);
            status = StatusOf(committed.Status);
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            LogIfFailed(NfsOpnum4.OpCommit, call, status);
            return (Failed(NfsOpnum4.OpCommit, status), status);
        }
        var resok = new Commit4Resok { Writeverf = Verifiers.Encode(WriteVerifier.Value) };
        return (NfsResop4.FromOpcommit(call.Scratch.Arm(new Commit4Res { Status = status, Resok4 = resok })), status);
    }

    /// <summary>NFS4_OK for a regular file; for another type, what an operation on regular files answers in the minor version.</summary>
    private static Nfsstat4 NotRegularStatus(FileType type, uint minorVersion) => type switch
    {
        FileType.Regular => Nfsstat4.Nfs4Ok,
        FileType.Directory => Nfsstat4.Nfs4errIsdir,
        FileType.Symlink => Nfsstat4.Nfs4errSymlink,
        _ => minorVersion == 0 ? Nfsstat4.Nfs4errInval : Nfsstat4.Nfs4errWrongType,
    };
}
