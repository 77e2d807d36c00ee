using System.Net;
using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using Microsoft.Extensions.Logging;

namespace DittoFs.Nfs.Nsm;

/// <summary>
/// SM_PROG (100024) version 1 over a <see cref="StatusMonitor"/>. SM_MON, SM_UNMON, SM_UNMON_ALL and SM_SIMU_CRASH
/// change what this server does for others (whom it calls back, its state), so, as Linux's rpc.statd does, they are
/// taken from callers on this machine (loopback) only; others get STAT_FAIL or nothing done, logged. SM_STAT and
/// SM_NOTIFY are for anyone: a notice is believed only as <see cref="StatusMonitor.ReceiveNotify"/> says.
/// </summary>
public sealed class NsmService(StatusMonitor monitor, ILogger<NsmService> logger) : ISmV1<RpcCallContext>
{
    public ValueTask NullAsync(RpcCallContext context) => default;

    /// <summary>STAT_SUCC with our state when we would monitor the host (it is, or there is room); STAT_FAIL otherwise.</summary>
    public ValueTask<SmStatRes> StatAsync(SmName arguments, RpcCallContext context)
    {
        string name = Encoding.UTF8.GetString(arguments.MonName.Span);
        bool could = name.Length > 0 && (monitor.Find(name) is not null || monitor.MonitoredHosts.Count < monitor.Capacity);
        return new(new SmStatRes { ResStat = could ? Res.StatSucc : Res.StatFail, State = monitor.State });
    }

    public async ValueTask<SmStatRes> MonAsync(Mon arguments, RpcCallContext context)
    {
        string name = Encoding.UTF8.GetString(arguments.MonId.MonName.Span);
        if (!IsLocal(context, "SM_MON") || name.Length == 0)
            return new SmStatRes { ResStat = Res.StatFail, State = monitor.State };
        // Where the host's notices must come from: mon_name as an address, or what it resolves to (as rpc.statd does).
        var address = await monitor.ResolveAsync(name, context.CancellationToken).ConfigureAwait(false);
        if (address is null)
        {
            logger.LogWarning("NSM: SM_MON of {Host} refused: the name does not resolve", name);
            return new SmStatRes { ResStat = Res.StatFail, State = monitor.State };
        }
        bool monitored = await monitor.MonitorForAsync(name, address, RegistrantOf(arguments.MonId.MyId, arguments.Priv.ToArray()), context.CancellationToken).ConfigureAwait(false);
        return new SmStatRes { ResStat = monitored ? Res.StatSucc : Res.StatFail, State = monitor.State };
    }

    public async ValueTask<SmStat> UnmonAsync(MonId arguments, RpcCallContext context)
    {
        if (IsLocal(context, "SM_UNMON"))
            await monitor.UnmonitorForAsync(Encoding.UTF8.GetString(arguments.MonName.Span), RegistrantOf(arguments.MyId, []), context.CancellationToken).ConfigureAwait(false);
        return new SmStat { State = monitor.State };
    }

    public async ValueTask<SmStat> UnmonAllAsync(MyId arguments, RpcCallContext context)
    {
        if (IsLocal(context, "SM_UNMON_ALL"))
            await monitor.UnmonitorAllForAsync(RegistrantOf(arguments, []), context.CancellationToken).ConfigureAwait(false);
        return new SmStat { State = monitor.State };
    }

    public async ValueTask SimuCrashAsync(RpcCallContext context)
    {
        if (IsLocal(context, "SM_SIMU_CRASH"))
            await monitor.SimulateCrashAsync(context.CancellationToken).ConfigureAwait(false);
    }

    public ValueTask NotifyAsync(StatChge arguments, RpcCallContext context)
    {
        monitor.ReceiveNotify(Encoding.UTF8.GetString(arguments.MonName.Span), arguments.State, context.Client?.Address);
        return default;
    }

    private static Registrant RegistrantOf(MyId id, byte[] priv) =>
        new(Encoding.UTF8.GetString(id.MyName.Span), id.MyProg, id.MyVers, id.MyProc, priv);

    private bool IsLocal(RpcCallContext context, string procedure)
    {
        var address = context.Client?.Address;
        if (address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address))
            return true;
        logger.LogWarning("NSM: {Procedure} from {Client} refused: taken from this machine only", procedure, context.Client);
        return false;
    }
}
