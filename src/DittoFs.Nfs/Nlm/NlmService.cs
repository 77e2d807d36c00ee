using System.Collections.Concurrent;
using System.Net;
using System.Text;
using DittoFs.Nfs.Nsm;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;
using DittoFs.Vfs.Locks;
using Microsoft.Extensions.Logging;

namespace DittoFs.Nfs.Nlm;

/// <summary>
/// The network lock manager, NLM version 4 (XNFS chapter 10 and RFC 1813 appendix II), an adapter over each
/// share's lock table (<see cref="DittoFs.Vfs.VirtualFileSystem.Locks"/>): the file handle names the share and the
/// file (<see cref="FileLockKey"/>), caller_name + svid + oh the owner (<see cref="LockOwner"/>, client
/// <see cref="LockClient.Nlm"/>), l_offset/l_len the range. Versions 1 and 3 (32-bit ranges) are
/// <see cref="NlmLegacyService"/>, a translation onto the same calls.
/// <para>
/// Export rules apply as for NFS calls: a handle that is not ours or names no exported share is NLM4_STALE_FH; a
/// share that does not admit the client or its credential flavour answers NLM4_FAILED (knfsd: its open fails,
/// nlm_failed); on a read-only share an exclusive lock, or a share reservation asking for write access, is
/// NLM4_ROFS (knfsd opens the file for writing for an exclusive lock, which a read-only export refuses), while
/// shared locks and TEST are allowed. A handle of a file that no longer exists is NLM4_STALE_FH for LOCK, TEST and
/// SHARE; UNLOCK and CANCEL of a removed file still work (the table keeps the locks until they are released).
/// </para>
/// <para>
/// Grace: during the server's grace period only reclaims are granted (others: NLM4_DENIED_GRACE_PERIOD) and TEST
/// answers NLM4_DENIED_GRACE_PERIOD; a reclaim after it is NLM4_DENIED. knfsd answers a late reclaim with
/// denied_grace_period, which the Linux client retries for ever; DENIED tells it the lock is lost at once.
/// </para>
/// <para>
/// Monitoring: before a host's first LOCK (not NM_LOCK) is tried, the host is handed to the status monitor
/// (<see cref="IHostMonitor.MonitorAsync"/>) with the address its call came from, as knfsd does, so that no lock
/// is ever held by a host nobody watches; if the monitor fails, the lock is NLM4_DENIED_NOLOCKS. A reboot notice
/// (<see cref="IHostMonitor.HostRebooted"/>) and FREE_ALL release everything the host held on every share. Hosts
/// are not unmonitored when they unlock their last lock (that needs a look over every share's table, and a reboot
/// notice of a host that holds nothing is harmless); but when the monitor's list is full, the hosts this service
/// watches that hold nothing on any share (no lock, queued request or reservation) and have no LOCK under way are
/// unmonitored to make room, as knfsd drops idle hosts: otherwise hosts that locked once would keep their places for
/// ever and every new host would be refused.
/// </para>
/// <para>
/// Asynchronous procedures: a *_MSG call is carried out like its synchronous twin and its result is sent as the
/// matching *_RES call to the NLM program of the same version at the caller's host
/// (<see cref="NlmCallbacks"/>); the *_MSG call itself gets the empty reply the generated dispatcher encodes for
/// a void procedure (the RPC layer has no way to drop a reply; clients ignore it). *_RES calls received are
/// answers to this server's own *_MSG calls, of which it makes only GRANTED_MSG: GRANTED_RES is matched to its
/// grant by cookie (a refusal releases the lock); TEST_RES, LOCK_RES, CANCEL_RES and UNLOCK_RES are ignored.
/// GRANTED and GRANTED_MSG are calls a lock manager receives as a client; this server holds no locks elsewhere, so
/// it answers NLM4_DENIED (nothing was waiting for that grant), as knfsd's server side does for an unknown grant.
/// </para>
/// </summary>
public sealed partial class NlmService : INlmV4<RpcCallContext>, IDisposable
{
    private readonly ShareTable _shares;
    private readonly IHostMonitor _monitor;
    private readonly NlmCallbacks _callbacks;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, byte> _monitored = new(StringComparer.Ordinal);
    // LOCK calls per caller name between their monitor check and their table call: such a host is never unmonitored.
    private readonly ConcurrentDictionary<string, int> _locking = new(StringComparer.Ordinal);
    // Serializes monitoring a host with unmonitoring idle ones, so that no host is unmonitored while it gets a lock.
    private readonly SemaphoreSlim _monitorGate = new(1, 1);
    private long _granted;
    private long _denied;

    public NlmService(ShareTable shares, IHostMonitor monitor, NlmCallbacks callbacks, ILogger<NlmService> logger)
    {
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentNullException.ThrowIfNull(callbacks);
        ArgumentNullException.ThrowIfNull(logger);
        _shares = shares;
        _monitor = monitor;
        _callbacks = callbacks;
        _logger = logger;
        _monitor.HostRebooted += OnHostRebooted;
    }

    /// <summary>The calls back to clients (GRANTED, *_RES).</summary>
    public NlmCallbacks Callbacks => _callbacks;

    /// <summary>LOCK and NM_LOCK requests granted at once (grants of queued requests: <see cref="NlmCallbacks"/>).</summary>
    public long Granted => Interlocked.Read(ref _granted);

    /// <summary>LOCK and NM_LOCK requests refused (denied, grace, no resources, read-only, stale, too big).</summary>
    public long Denied => Interlocked.Read(ref _denied);

    public void Dispose() => _monitor.HostRebooted -= OnHostRebooted;

    public ValueTask NullAsync(RpcCallContext context) => default;

    public async ValueTask<Nlm4Testres> TestAsync(Nlm4Testargs arguments, RpcCallContext context)
    {
        var (status, holder) = await TestCoreAsync(arguments.Alock, arguments.Exclusive, context).ConfigureAwait(false);
        return new Nlm4Testres { Cookie = arguments.Cookie, Stat = new Nlm4Testrply { Stat = status, Holder = holder } };
    }

    public async ValueTask<Nlm4Res> LockAsync(Nlm4Lockargs arguments, RpcCallContext context) =>
        Result(arguments.Cookie, await LockCoreAsync(arguments, context, monitored: true, asynchronous: false).ConfigureAwait(false));

    public async ValueTask<Nlm4Res> CancelAsync(Nlm4Cancargs arguments, RpcCallContext context) =>
        Result(arguments.Cookie, await CancelCoreAsync(arguments.Alock, arguments.Exclusive, context).ConfigureAwait(false));

    public async ValueTask<Nlm4Res> UnlockAsync(Nlm4Unlockargs arguments, RpcCallContext context) =>
        Result(arguments.Cookie, await UnlockCoreAsync(arguments.Alock, context).ConfigureAwait(false));

    public ValueTask<Nlm4Res> GrantedAsync(Nlm4Testargs arguments, RpcCallContext context) =>
        new(Result(arguments.Cookie, Nlm4Stats.Nlm4Denied));

    public async ValueTask TestMsgAsync(Nlm4Testargs arguments, RpcCallContext context)
    {
        var result = await TestAsync(arguments, context).ConfigureAwait(false);
        Reply<Nlm4Testres, Nlm4Testres>(context, NlmV4Procedure.TestRes, Detach(result));
    }

    public async ValueTask LockMsgAsync(Nlm4Lockargs arguments, RpcCallContext context)
    {
        var status = await LockCoreAsync(arguments, context, monitored: true, asynchronous: true).ConfigureAwait(false);
        Reply<Nlm4Res, Nlm4Res>(context, NlmV4Procedure.LockRes, Result(arguments.Cookie.ToArray(), status));
    }

    public async ValueTask CancelMsgAsync(Nlm4Cancargs arguments, RpcCallContext context)
    {
        var status = await CancelCoreAsync(arguments.Alock, arguments.Exclusive, context).ConfigureAwait(false);
        Reply<Nlm4Res, Nlm4Res>(context, NlmV4Procedure.CancelRes, Result(arguments.Cookie.ToArray(), status));
    }

    public async ValueTask UnlockMsgAsync(Nlm4Unlockargs arguments, RpcCallContext context)
    {
        var status = await UnlockCoreAsync(arguments.Alock, context).ConfigureAwait(false);
        Reply<Nlm4Res, Nlm4Res>(context, NlmV4Procedure.UnlockRes, Result(arguments.Cookie.ToArray(), status));
    }

    public ValueTask GrantedMsgAsync(Nlm4Testargs arguments, RpcCallContext context)
    {
        Reply<Nlm4Res, Nlm4Res>(context, NlmV4Procedure.GrantedRes, Result(arguments.Cookie.ToArray(), Nlm4Stats.Nlm4Denied));
        return default;
    }

    public ValueTask TestResAsync(Nlm4Testres arguments, RpcCallContext context) => default;

    public ValueTask LockResAsync(Nlm4Res arguments, RpcCallContext context) => default;

    public ValueTask CancelResAsync(Nlm4Res arguments, RpcCallContext context) => default;

    public ValueTask UnlockResAsync(Nlm4Res arguments, RpcCallContext context) => default;

    public ValueTask GrantedResAsync(Nlm4Res arguments, RpcCallContext context)
    {
        _callbacks.OnGrantedResult(arguments.Cookie.Span, arguments.Stat.Stat == Nlm4Stats.Nlm4Granted);
        return default;
    }

    public async ValueTask<Nlm4Shareres> ShareAsync(Nlm4Shareargs arguments, RpcCallContext context) => new()
    {
        Cookie = arguments.Cookie,
        Stat = await ShareCoreAsync(arguments.Share, arguments.Reclaim, unshare: false, context).ConfigureAwait(false),
        Sequence = 0,
    };

    public async ValueTask<Nlm4Shareres> UnshareAsync(Nlm4Shareargs arguments, RpcCallContext context) => new()
    {
        Cookie = arguments.Cookie,
        Stat = await ShareCoreAsync(arguments.Share, arguments.Reclaim, unshare: true, context).ConfigureAwait(false),
        Sequence = 0,
    };

    public async ValueTask<Nlm4Res> NmLockAsync(Nlm4Lockargs arguments, RpcCallContext context) =>
        Result(arguments.Cookie, await LockCoreAsync(arguments, context, monitored: false, asynchronous: false).ConfigureAwait(false));

    public ValueTask FreeAllAsync(Nlm4Notify arguments, RpcCallContext context)
    {
        ReleaseHost(Encoding.UTF8.GetString(arguments.Name.Span), "FREE_ALL");
        return default;
    }

    // ---- The calls every version makes, in v4 terms (NlmLegacyService widens v1/v3 ranges to these). ----

    internal async ValueTask<(Nlm4Stats Status, Nlm4Holder Holder)> TestCoreAsync(Nlm4Lock alock, bool exclusive, RpcCallContext context)
    {
        var (status, target) = await ResolveAsync(alock.Fh.Value, context, mustExist: true).ConfigureAwait(false);
        if (status != Nlm4Stats.Nlm4Granted)
            return (status, default);
        var owner = OwnerOf(alock);
        var test = target.Table.Test(target.File, owner, new LockRange(alock.LOffset, alock.LLen), exclusive ? LockMode.Exclusive : LockMode.Shared);
        if (test is { Status: LockStatus.Denied, Conflict: { } conflict })
        {
            return (Nlm4Stats.Nlm4Denied, new Nlm4Holder
            {
                Exclusive = conflict.Mode == LockMode.Exclusive,
                Svid = (int)conflict.Owner.Number,
                Oh = conflict.Owner.Owner,
                LOffset = conflict.Range.Offset,
                LLen = conflict.Range.Length,
            });
        }
        return (Map(test.Status, reclaim: false), default);
    }

    internal async ValueTask<Nlm4Stats> LockCoreAsync(Nlm4Lockargs arguments, RpcCallContext context, bool monitored, bool asynchronous)
    {
        var alock = arguments.Alock;
        var (status, target) = await ResolveAsync(alock.Fh.Value, context, mustExist: true).ConfigureAwait(false);
        if (status == Nlm4Stats.Nlm4Granted && arguments.Exclusive && target.Share.Options.ReadOnly)
            status = Nlm4Stats.Nlm4Rofs;
        var range = new LockRange(alock.LOffset, alock.LLen);
        if (status == Nlm4Stats.Nlm4Granted && !range.IsValid)
            status = Nlm4Stats.Nlm4Fbig;
        string callerName = CallerNameOf(alock);
        var host = HostOf(context);
        bool watched = status == Nlm4Stats.Nlm4Granted && monitored && host is not null;
        if (watched)
            _locking.AddOrUpdate(callerName, 1, static (_, count) => count + 1);
        try
        {
            if (watched && !await MonitorAsync(callerName, host!).ConfigureAwait(false))
                status = Nlm4Stats.Nlm4DeniedNolocks;
            if (status != Nlm4Stats.Nlm4Granted)
            {
                Interlocked.Increment(ref _denied);
                return status;
            }
            return LockInTable(arguments, target, range, callerName, host, context.Version, asynchronous);
        }
        finally
        {
            if (watched)
                StopLocking(callerName);
        }
    }

    private void StopLocking(string callerName)
    {
        while (true)
        {
            int count = _locking[callerName];
            if (count == 1 ? _locking.TryRemove(new KeyValuePair<string, int>(callerName, 1)) : _locking.TryUpdate(callerName, count - 1, count))
                return;
        }
    }

    private Nlm4Stats LockInTable(Nlm4Lockargs arguments, LockTarget target, LockRange range, string callerName, IPAddress? host, uint version, bool asynchronous)
    {
        var alock = arguments.Alock;
        // A blocking request needs somewhere to send its GRANTED; a caller without an address (in-process) cannot block.
        bool block = arguments.Block && host is not null;
        var waiter = block
            ? new NlmWaiter(host!, callerName, version, asynchronous, arguments.Exclusive, alock.Fh.ToArray(), alock.Oh.ToArray(), alock.Svid,
                alock.LOffset, alock.LLen, target.Table)
            : null;
        var result = _callbacks.Lock(target.Table, new LockRequest(target.File, OwnerOf(alock), range, arguments.Exclusive ? LockMode.Exclusive : LockMode.Shared,
            block, arguments.Reclaim, waiter));
        _callbacks.SendGranted(result.Woken);
        var answer = Map(result.Status, arguments.Reclaim);
        if (answer == Nlm4Stats.Nlm4Granted)
            Interlocked.Increment(ref _granted);
        else if (answer != Nlm4Stats.Nlm4Blocked)
            Interlocked.Increment(ref _denied);
        return answer;
    }

    internal async ValueTask<Nlm4Stats> CancelCoreAsync(Nlm4Lock alock, bool exclusive, RpcCallContext context)
    {
        var (status, target) = await ResolveAsync(alock.Fh.Value, context, mustExist: false).ConfigureAwait(false);
        if (status != Nlm4Stats.Nlm4Granted)
            return status;
        var result = target.Table.Cancel(target.File, OwnerOf(alock), new LockRange(alock.LOffset, alock.LLen), exclusive ? LockMode.Exclusive : LockMode.Shared);
        _callbacks.SendGranted(result.Woken);
        // Nothing to cancel is not an error: the request may have been granted meanwhile (knfsd answers granted too).
        return result.Status == LockStatus.InvalidRange ? Nlm4Stats.Nlm4Fbig : Nlm4Stats.Nlm4Granted;
    }

    internal async ValueTask<Nlm4Stats> UnlockCoreAsync(Nlm4Lock alock, RpcCallContext context)
    {
        var (status, target) = await ResolveAsync(alock.Fh.Value, context, mustExist: false).ConfigureAwait(false);
        if (status != Nlm4Stats.Nlm4Granted)
            return status;
        var result = target.Table.Unlock(target.File, OwnerOf(alock), new LockRange(alock.LOffset, alock.LLen));
        _callbacks.SendGranted(result.Woken);
        return result.Status == LockStatus.InvalidRange ? Nlm4Stats.Nlm4Fbig : Nlm4Stats.Nlm4Granted;
    }

    internal async ValueTask<Nlm4Stats> ShareCoreAsync(Nlm4Share share, bool reclaim, bool unshare, RpcCallContext context)
    {
        var (status, target) = await ResolveAsync(share.Fh.Value, context, mustExist: !unshare).ConfigureAwait(false);
        if (status != Nlm4Stats.Nlm4Granted)
            return status;
        var owner = new LockOwner(LockClient.Nlm(Encoding.UTF8.GetString(share.CallerName.Span)), share.Oh.Span);
        if (unshare)
        {
            target.Table.Unshare(target.File, owner);
            return Nlm4Stats.Nlm4Granted;
        }
        var access = (ShareAccess)((int)share.Access & 3);
        if ((access & ShareAccess.Write) != 0 && target.Share.Options.ReadOnly)
            return Nlm4Stats.Nlm4Rofs;
        var result = target.Table.Share(target.File, owner, access, (ShareDeny)((int)share.Mode & 3), reclaim);
        return Map(result.Status, reclaim);
    }

    /// <summary>Releases every lock, waiter and reservation of <paramref name="hostName"/> on every share.</summary>
    public void ReleaseHost(string hostName, string why)
    {
        var client = LockClient.Nlm(hostName);
        _monitored.TryRemove(hostName, out _);
        int released = 0;
        foreach (var share in _shares.All)
        {
            var result = share.FileSystem.Locks.ReleaseClient(client);
            released += result.Changed ? 1 : 0;
            _callbacks.SendGranted(result.Woken);
        }
        LogReleasedHost(hostName, why, released);
    }

    private void OnHostRebooted(HostReboot reboot) => ReleaseHost(reboot.HostName, $"rebooted (state {reboot.State})");

    /// <summary>Monitors the host once; false when the status monitor could not take it.</summary>
    private async ValueTask<bool> MonitorAsync(string callerName, IPAddress host)
    {
        if (_monitored.ContainsKey(callerName))
            return true;
        await _monitorGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_monitored.ContainsKey(callerName))
                return true;
            bool full = false;
            try
            {
                await _monitor.MonitorAsync(callerName, host).ConfigureAwait(false);
            }
            catch (InvalidOperationException) // the list is full (IHostMonitor.MonitorAsync)
            {
                full = true;
            }
            if (full)
            {
                if (await UnmonitorIdleHostsAsync(callerName).ConfigureAwait(false) == 0)
                    throw new InvalidOperationException("the status monitor's list is full and every host on it holds locks");
                await _monitor.MonitorAsync(callerName, host).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogMonitorFailed(callerName, host, e.Message);
            return false;
        }
        finally
        {
            _monitorGate.Release();
        }
        _monitored.TryAdd(callerName, 0);
        return true;
    }

    /// <summary>
    /// The monitor's list is full: unmonitors the hosts this service watches that hold nothing on any share and have no
    /// LOCK under way. Called under <see cref="_monitorGate"/>. A host is taken out of <see cref="_monitored"/> before
    /// it is looked at, so a LOCK of it that starts meanwhile does not skip monitoring (it waits for the gate and
    /// monitors it again); one that started before is counted in <see cref="_locking"/> and keeps the host, and one
    /// that ended before shows in the tables.
    /// </summary>
    private async ValueTask<int> UnmonitorIdleHostsAsync(string except)
    {
        var candidates = _monitored.Keys.Where(name => name != except).ToList();
        foreach (var name in candidates)
            _monitored.TryRemove(name, out _);
        // In this order: a LOCK not under way any more when the first is taken has its lock in the tables before the
        // second is; one that starts after the first finds its host out of _monitored and waits for the gate.
        var locking = _locking.Keys.ToHashSet(StringComparer.Ordinal);
        var busy = new HashSet<LockClient>();
        foreach (var share in _shares.All)
            busy.UnionWith(share.FileSystem.Locks.ClientsWithState());
        int unmonitored = 0;
        foreach (var name in candidates)
        {
            if (locking.Contains(name) || busy.Contains(LockClient.Nlm(name)))
            {
                _monitored.TryAdd(name, 0);
                continue;
            }
            try
            {
                await _monitor.UnmonitorAsync(name).ConfigureAwait(false);
                unmonitored++;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _monitored.TryAdd(name, 0); // still watched, as far as anyone can tell
                LogMonitorFailed(name, IPAddress.None, $"unmonitoring it failed: {e.Message}");
            }
        }
        LogUnmonitoredIdle(unmonitored, candidates.Count);
        return unmonitored;
    }

    private readonly record struct LockTarget(Share Share, ILockTable Table, FileLockKey File);

    /// <summary>Handle → share → export checks → file key, and (for calls that take something) whether the file exists.</summary>
    private async ValueTask<(Nlm4Stats Status, LockTarget Target)> ResolveAsync(ReadOnlyMemory<byte> handle, RpcCallContext context, bool mustExist)
    {
        var parse = FileHandle.TryParse(handle.Span, out var parsed);
        if (parse != Nfsstat3.Nfs3Ok || !_shares.TryGet(parsed.ShareId, out var share))
        {
            LogRefused(context.Procedure, context.Client, "stale handle");
            return (Nlm4Stats.Nlm4StaleFh, default);
        }
        if (!share.Options.Allows(context.Client, CallerIdentities.FlavorOf(context)))
        {
            LogRefused(context.Procedure, context.Client, $"not admitted to {share.ExportPath}");
            return (Nlm4Stats.Nlm4Failed, default);
        }
        var file = parsed.File.Within(share.Root);
        if (mustExist)
        {
            var attributes = await share.FileSystem.GetAttributesAsync(file).ConfigureAwait(false);
            if (!attributes.IsOk)
                return (attributes.Status == StoreStatus.Stale || attributes.Status == StoreStatus.NoEnt ? Nlm4Stats.Nlm4StaleFh : Nlm4Stats.Nlm4Failed, default);
        }
        return (Nlm4Stats.Nlm4Granted, new LockTarget(share, share.FileSystem.Locks, FileLockKey.Of(file)));
    }

    private static LockOwner OwnerOf(in Nlm4Lock alock) => new(LockClient.Nlm(CallerNameOf(alock)), unchecked((uint)alock.Svid), alock.Oh.Span);

    private static string CallerNameOf(in Nlm4Lock alock) => Encoding.UTF8.GetString(alock.CallerName.Span);

    private static IPAddress? HostOf(RpcCallContext context)
    {
        var address = context.Client?.Address;
        return address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
    }

    /// <summary>The table's answer in NLM v4 terms.</summary>
    internal static Nlm4Stats Map(LockStatus status, bool reclaim) => status switch
    {
        LockStatus.Granted => Nlm4Stats.Nlm4Granted,
        LockStatus.Denied => Nlm4Stats.Nlm4Denied,
        LockStatus.Blocked => Nlm4Stats.Nlm4Blocked,
        LockStatus.InvalidRange => Nlm4Stats.Nlm4Fbig,
        LockStatus.InGrace => Nlm4Stats.Nlm4DeniedGracePeriod,
        LockStatus.NotInGrace => Nlm4Stats.Nlm4Denied,
        LockStatus.NoResources => Nlm4Stats.Nlm4DeniedNolocks,
        _ => Nlm4Stats.Nlm4Failed,
    };

    private static Nlm4Res Result(Netobj cookie, Nlm4Stats status) => new() { Cookie = cookie, Stat = new Nlm4Stat { Stat = status } };

    private static Nlm4Testres Detach(Nlm4Testres result)
    {
        result.Cookie = result.Cookie.ToArray();
        result.Stat.Holder.Oh = result.Stat.Holder.Oh.ToArray();
        return result;
    }

    /// <summary>Sends a *_MSG call's result as the matching *_RES call; nowhere to send it for a caller without an address.</summary>
    private void Reply<TResult, TCodec>(RpcCallContext context, NlmV4Procedure procedure, TResult result)
        where TCodec : DittoFs.Xdr.IXdrCodec<TResult>
    {
        if (HostOf(context) is { } host)
            _callbacks.SendResult<TResult, TCodec>(host, context.Version, (uint)procedure, result);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "NLM procedure {Procedure} from {Client}: {Reason}")]
    private partial void LogRefused(uint procedure, IPEndPoint? client, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "NLM: the status monitor could not watch {Host} ({Address}): {Reason}; its lock is refused")]
    private partial void LogMonitorFailed(string host, IPAddress address, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "NLM: the status monitor's list is full: {Unmonitored} of {Candidates} watched host(s) held nothing and were unmonitored")]
    private partial void LogUnmonitoredIdle(int unmonitored, int candidates);

    [LoggerMessage(Level = LogLevel.Information, Message = "NLM: released all locks of {Host} ({Why}); {Shares} share(s) had some")]
    private partial void LogReleasedHost(string host, string why, int shares);
}
