using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Storage;

namespace DittoFs.Nfs;

// SETATTR, VERIFY, NVERIFY, OPENATTR: changing and comparing the current object's attributes.
public sealed partial class Nfs4Service
{
    /// <summary>
    /// SETATTR (RFC 7530 §16.32, RFC 8881 §18.30): the settable attributes (<see cref="Fattr4Decoder.DecodeSettable"/>)
    /// through the file system's SETATTR, as v3's; attrsset is exactly the attributes set, and empty on failure (the
    /// store sets all of them or none). The stateid is checked as for READ, or for WRITE when the size changes.
    /// NFS4ERR_ROFS in the pseudo file system (RFC 7530 §7) and on a read-only export.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> SetAttributesAsync(Setattr4Args arguments, Nfs4Call call)
    {
        SetAttributes changes = default;
        uint[] attributesSet = [];
        CallTarget target = default;
        var status = !call.Current.IsSet ? Nfsstat4.Nfs4errNofilehandle
            : Fattr4Decoder.DecodeSettable(arguments.ObjAttributes, call.MinorVersion, out changes, out attributesSet);
        if (status == Nfsstat4.Nfs4Ok)
        {
            status = TargetForChange(call.Current, call, out target);
        }
        if (status == Nfsstat4.Nfs4Ok)
        {
            // RFC 7530 §16.32.4: a size change is a write (an open for write, a lock, or the anonymous stateid subject to
            // other opens' DENY_WRITE); for the other attributes the stateid only has to be valid.
            status = CheckStateid(arguments.Stateid, call, target, changes.Size is null ? Nfs4Opens.AccessRead : Nfs4Opens.AccessWrite);
        }
        if (status == Nfsstat4.Nfs4Ok)
        {
            var result = await target.FileSystem.SetAttributesAsync(target.Auth, target.File, changes, null, call.Context.CancellationToken).ConfigureAwait(false);
            status = StatusOf(result.Status);
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            LogIfFailed(NfsOpnum4.OpSetattr, call, status);
            return (Failed(NfsOpnum4.OpSetattr, status), status);
        }
        return (NfsResop4.FromOpsetattr(call.Scratch.Arm(new Setattr4Res { Status = status, Attrsset = attributesSet })), status);
    }

    /// <summary>VERIFY (RFC 7530 §16.35, RFC 8881 §18.31): NFS4ERR_NOT_SAME unless every given attribute has the given value.</summary>
    private ValueTask<(NfsResop4, Nfsstat4)> VerifyAsync(Fattr4 attributes, Nfs4Call call) =>
        CompareAsync(NfsOpnum4.OpVerify, attributes, call);

    /// <summary>NVERIFY (RFC 7530 §16.15, RFC 8881 §18.15): NFS4ERR_SAME when every given attribute has the given value.</summary>
    private ValueTask<(NfsResop4, Nfsstat4)> NotVerifyAsync(Fattr4 attributes, Nfs4Call call) =>
        CompareAsync(NfsOpnum4.OpNverify, attributes, call);

    /// <summary>
    /// VERIFY and NVERIFY: the current object's attributes (pseudo directories too, which have them) against the
    /// given ones (<see cref="Fattr4Decoder.Compare"/>: NFS4ERR_ATTRNOTSUPP, NFS4ERR_INVAL, NFS4ERR_BADXDR first).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> CompareAsync(NfsOpnum4 operation, Fattr4 attributes, Nfs4Call call)
    {
        // The file system's figures are read only when asked for, as GETATTR does: else they would be missing from ours.
        var status = await DescribeAsync(call.Current, call, Fattr4Encoder.AsksFileSystemFigures(attributes.Attrmask.ToArray())).ConfigureAwait(false);
        if (status == Nfsstat4.Nfs4Ok)
        {
            var obj = call.Described;
            status = Fattr4Decoder.Compare(attributes, call.MinorVersion, mask => Fattr4Encoder.Encode(mask, obj, call.MinorVersion, _options, call.Scratch), out bool same);
            if (status == Nfsstat4.Nfs4Ok)
            {
                status = operation == NfsOpnum4.OpVerify
                    ? same ? Nfsstat4.Nfs4Ok : Nfsstat4.Nfs4errNotSame
                    : same ? Nfsstat4.Nfs4errSame : Nfsstat4.Nfs4Ok;
            }
        }
        LogIfFailed(operation, call, status);
        return (Failed(operation, status), status);
    }

    /// <summary>
    /// OPENATTR (RFC 7530 §16.17, RFC 8881 §18.17): named attributes are not served (named_attr is false for every
    /// object), so NFS4ERR_NOTSUPP, as the RFC answers a server without them.
    /// </summary>
    private (NfsResop4, Nfsstat4) OpenAttributes(Nfs4Call call)
    {
        var status = call.Current.IsSet ? Nfsstat4.Nfs4errNotsupp : Nfsstat4.Nfs4errNofilehandle;
        LogIfFailed(NfsOpnum4.OpOpenattr, call, status);
        return (Failed(NfsOpnum4.OpOpenattr, status), status);
    }

    /// <summary>
    /// The call's view of the current filehandle for an operation that changes it: NFS4ERR_NOFILEHANDLE without one,
    /// NFS4ERR_ROFS in the pseudo file system (RFC 7530 §7: it is read-only) and on a read-only export, after the
    /// export's own checks (<see cref="Target"/>).
    /// </summary>
    private Nfsstat4 TargetForChange(in Nfs4Fh handle, Nfs4Call call, out CallTarget target)
    {
        target = default;
        if (!handle.IsSet)
            return Nfsstat4.Nfs4errNofilehandle;
        if (handle.Pseudo is not null)
            return Nfsstat4.Nfs4errRofs;
        var status = Target(handle, call, out target);
        return status == Nfsstat4.Nfs4Ok && target.Share.Options.ReadOnly ? Nfsstat4.Nfs4errRofs : status;
    }
}
