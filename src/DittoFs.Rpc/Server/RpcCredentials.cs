using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Rpc;

/// <summary>
/// Checks a call's credential and copies who is calling into its <see cref="RpcCallContext"/>. The server
/// speaks AUTH_NONE and AUTH_SYS; the verifier that goes with them carries nothing and is not checked
/// (RFC 5531 appendix A: it "should be" AUTH_NONE, and clients differ).
/// </summary>
internal static class RpcCredentials
{
    /// <summary>uid and gid given to AUTH_NONE callers, so a service that forgets to check the flavour grants nobody's rights, not root's.</summary>
    public const uint Nobody = 65534;

    /// <summary>AUTH_OK and a filled context, or the auth_stat to deny the call with (RFC 5531 §9 rejected_reply).</summary>
    public static AuthStat Accept(in OpaqueAuth credential, RpcCallContext context)
    {
        context.AuthFlavor = credential.Flavor;
        context.Uid = Nobody;
        context.Gid = Nobody;
        context.GidCount = 0;
        context.MachineName = default;
        switch (credential.Flavor)
        {
            case (uint)AuthFlavor.AuthNone:
                // RFC 5531 §10.1: the body of AUTH_NONE is undefined (recommended empty); accept any.
                return AuthStat.AuthOk;
            case (uint)AuthFlavor.AuthSys:
                return AcceptAuthSys(credential.Body, context);
            default:
                // RPCSEC_GSS, Kerberos, AUTH_DH, ...: flavours we do not speak are too weak to trust here.
                return AuthStat.AuthTooweak;
        }
    }

    private static AuthStat AcceptAuthSys(ReadOnlyMemory<byte> body, RpcCallContext context)
    {
        var reader = new XdrReader(body);
        var parameters = AuthsysParms.Read(ref reader);
        // The body's length is explicit, so bytes left over mean a malformed credential, not padding.
        if (reader.HasError || reader.Remaining != 0)
            return AuthStat.AuthBadcred;
        context.Uid = parameters.Uid;
        context.Gid = parameters.Gid;
        context.MachineName = parameters.Machinename;
        if (context.Gids.Length < parameters.Gids.Count)
            context.Gids = new uint[AuthSysLimits.MaxGroups];
        int count = 0;
        foreach (uint gid in parameters.Gids)
            context.Gids[count++] = gid;
        context.GidCount = count;
        return AuthStat.AuthOk;
    }
}
