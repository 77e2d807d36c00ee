using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.Nfs.Nlm;

/// <summary>
/// NLM versions 1 and 3 (XNFS chapter 10): the procedures of version 4 with 32-bit offsets and lengths and the
/// nlm_stats codes. Every call is widened to version 4 terms and carried out by <see cref="NlmService"/> on the
/// same lock tables, so a v3 client and a v4 client contend as any two clients do. Versions 1 and 3 share their
/// procedure numbers and argument types; version 1 simply has no SHARE, UNSHARE, NM_LOCK or FREE_ALL (its
/// dispatcher never calls them).
/// <para>
/// Status mapping: v4's granted/denied/blocked/denied_nolocks/denied_grace_period keep their names; the codes v1/v3
/// lack (NLM4_STALE_FH, NLM4_ROFS, NLM4_FBIG, NLM4_FAILED, NLM4_DEADLCK) become LCK_DENIED_NOLOCKS, the code knfsd
/// sends a v1/v3 client for every failure that is not a conflict (its cast_status). A 32-bit range cannot
/// overflow 64 bits, so FBIG never arises from a v1/v3 request. A TEST holder whose lock lies beyond what 32 bits
/// can say (a v4 client's lock past 4 GiB) is reported clamped: offset at most 2^32-1, length 0 (to the end) when
/// its end does not fit either, as knfsd does.
/// </para>
/// </summary>
public sealed class NlmLegacyService(NlmService core) : INlmV1<RpcCallContext>, INlmV3<RpcCallContext>
{
    public ValueTask NullAsync(RpcCallContext context) => default;

    public async ValueTask<NlmTestres> TestAsync(NlmTestargs arguments, RpcCallContext context)
    {
        var (status, holder) = await core.TestCoreAsync(Widen(arguments.Alock), arguments.Exclusive, context).ConfigureAwait(false);
        return new NlmTestres { Cookie = arguments.Cookie, Stat = new NlmTestrply { Stat = Narrow(status), Holder = Narrow(holder) } };
    }

    public async ValueTask<NlmRes> LockAsync(NlmLockargs arguments, RpcCallContext context) =>
        Result(arguments.Cookie, await core.LockCoreAsync(Widen(arguments), context, monitored: true, asynchronous: false).ConfigureAwait(false));

    public async ValueTask<NlmRes> CancelAsync(NlmCancargs arguments, RpcCallContext context) =>
        Result(arguments.Cookie, await core.CancelCoreAsync(Widen(arguments.Alock), arguments.Exclusive, context).ConfigureAwait(false));

    public async ValueTask<NlmRes> UnlockAsync(NlmUnlockargs arguments, RpcCallContext context) =>
        Result(arguments.Cookie, await core.UnlockCoreAsync(Widen(arguments.Alock), context).ConfigureAwait(false));

    public ValueTask<NlmRes> GrantedAsync(NlmTestargs arguments, RpcCallContext context) => new(Result(arguments.Cookie, Nlm4Stats.Nlm4Denied));

    public async ValueTask TestMsgAsync(NlmTestargs arguments, RpcCallContext context)
    {
        var result = await TestAsync(arguments, context).ConfigureAwait(false);
        result.Cookie = result.Cookie.ToArray();
        result.Stat.Holder.Oh = result.Stat.Holder.Oh.ToArray();
        Reply<NlmTestres, NlmTestres>(context, NlmV3Procedure.TestRes, result);
    }

    public async ValueTask LockMsgAsync(NlmLockargs arguments, RpcCallContext context)
    {
        var status = await core.LockCoreAsync(Widen(arguments), context, monitored: true, asynchronous: true).ConfigureAwait(false);
        Reply<NlmRes, NlmRes>(context, NlmV3Procedure.LockRes, Result(arguments.Cookie.ToArray(), status));
    }

    public async ValueTask CancelMsgAsync(NlmCancargs arguments, RpcCallContext context)
    {
        var status = await core.CancelCoreAsync(Widen(arguments.Alock), arguments.Exclusive, context).ConfigureAwait(false);
        Reply<NlmRes, NlmRes>(context, NlmV3Procedure.CancelRes, Result(arguments.Cookie.ToArray(), status));
    }

    public async ValueTask UnlockMsgAsync(NlmUnlockargs arguments, RpcCallContext context)
    {
        var status = await core.UnlockCoreAsync(Widen(arguments.Alock), context).ConfigureAwait(false);
        Reply<NlmRes, NlmRes>(context, NlmV3Procedure.UnlockRes, Result(arguments.Cookie.ToArray(), status));
    }

    public ValueTask GrantedMsgAsync(NlmTestargs arguments, RpcCallContext context)
    {
        Reply<NlmRes, NlmRes>(context, NlmV3Procedure.GrantedRes, Result(arguments.Cookie.ToArray(), Nlm4Stats.Nlm4Denied));
        return default;
    }

    public ValueTask TestResAsync(NlmTestres arguments, RpcCallContext context) => default;

    public ValueTask LockResAsync(NlmRes arguments, RpcCallContext context) => default;

    public ValueTask CancelResAsync(NlmRes arguments, RpcCallContext context) => default;

    public ValueTask UnlockResAsync(NlmRes arguments, RpcCallContext context) => default;

    public ValueTask GrantedResAsync(NlmRes arguments, RpcCallContext context)
    {
        core.Callbacks.OnGrantedResult(arguments.Cookie.Span, arguments.Stat.Stat == NlmStats.LckGranted);
        return default;
    }

    public async ValueTask<NlmShareres> ShareAsync(NlmShareargs arguments, RpcCallContext context) => new()
    {
        Cookie = arguments.Cookie,
        Stat = Narrow(await core.ShareCoreAsync(Widen(arguments.Share), arguments.Reclaim, unshare: false, context).ConfigureAwait(false)),
    };

    public async ValueTask<NlmShareres> UnshareAsync(NlmShareargs arguments, RpcCallContext context) => new()
    {
        Cookie = arguments.Cookie,
        Stat = Narrow(await core.ShareCoreAsync(Widen(arguments.Share), arguments.Reclaim, unshare: true, context).ConfigureAwait(false)),
    };

    public async ValueTask<NlmRes> NmLockAsync(NlmLockargs arguments, RpcCallContext context) =>
        Result(arguments.Cookie, await core.LockCoreAsync(Widen(arguments), context, monitored: false, asynchronous: false).ConfigureAwait(false));

    public ValueTask FreeAllAsync(NlmNotify arguments, RpcCallContext context)
    {
        core.ReleaseHost(System.Text.Encoding.UTF8.GetString(arguments.Name.Span), "FREE_ALL");
        return default;
    }

    internal static Nlm4Lock Widen(in NlmLock alock) => new()
    {
        CallerName = alock.CallerName,
        Fh = alock.Fh,
        Oh = alock.Oh,
        Svid = alock.Svid,
        LOffset = alock.LOffset,
        LLen = alock.LLen,
    };

    private static Nlm4Lockargs Widen(in NlmLockargs arguments) => new()
    {
        Cookie = arguments.Cookie,
        Block = arguments.Block,
        Exclusive = arguments.Exclusive,
        Alock = Widen(arguments.Alock),
        Reclaim = arguments.Reclaim,
        State = arguments.State,
    };

    private static Nlm4Share Widen(in NlmShare share) => new()
    {
        CallerName = share.CallerName,
        Fh = share.Fh,
        Oh = share.Oh,
        Mode = (Fsh4Mode)(int)share.Mode,
        Access = (Fsh4Access)(int)share.Access,
    };

    internal static NlmStats Narrow(Nlm4Stats status) => status switch
    {
        Nlm4Stats.Nlm4Granted => NlmStats.LckGranted,
        Nlm4Stats.Nlm4Denied => NlmStats.LckDenied,
        Nlm4Stats.Nlm4Blocked => NlmStats.LckBlocked,
        Nlm4Stats.Nlm4DeniedGracePeriod => NlmStats.LckDeniedGracePeriod,
        _ => NlmStats.LckDeniedNolocks,
    };

    internal static NlmHolder Narrow(in Nlm4Holder holder)
    {
        uint offset = (uint)Math.Min(holder.LOffset, uint.MaxValue);
        ulong end = holder.LLen == 0 ? ulong.MaxValue : holder.LOffset + (holder.LLen - 1);
        uint length = holder.LLen == 0 || end > uint.MaxValue ? 0 : (uint)(end - offset + 1);
        return new NlmHolder { Exclusive = holder.Exclusive, Svid = holder.Svid, Oh = holder.Oh, LOffset = offset, LLen = length };
    }

    private static NlmRes Result(Netobj cookie, Nlm4Stats status) => new() { Cookie = cookie, Stat = new NlmStat { Stat = Narrow(status) } };

    private void Reply<TResult, TCodec>(RpcCallContext context, NlmV3Procedure procedure, TResult result)
        where TCodec : DittoFs.Xdr.IXdrCodec<TResult>
    {
        if (context.Client?.Address is { } address)
            core.Callbacks.SendResult<TResult, TCodec>(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, context.Version, (uint)procedure, result);
    }
}
