using System.Collections.Concurrent;
using System.Net;
using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Rpc.Portmap;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.EndToEnd;

/// <summary>
/// The lock manager and status monitor of an NFS client machine, played by a test on loopback: NLM versions 1, 3
/// and 4 (they take GRANTED, GRANTED_MSG and the *_RES answers to *_MSG calls) and NSM version 1 (takes SM_NOTIFY),
/// behind a portmapper of their own that lists them over UDP and TCP.
/// <para>
/// dittofs finds a client's lock manager and status monitor through the portmapper on the client's host, port 111;
/// a test cannot own port 111 on a shared machine, so the server is pointed at <see cref="PortmapPort"/> with
/// locks.peer_portmap_port. Every client of a test calls from 127.0.0.1, so they all share this one peer: GRANTED
/// calls are told apart by file handle and svid, as a real client's lock manager tells them apart.
/// </para>
/// </summary>
internal sealed class PeerLockManager : IAsyncDisposable
{
    private readonly RpcServer _server;
    private readonly ConcurrentDictionary<(string File, int Svid), TaskCompletionSource<Granted>> _granted = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Result>> _results = new();
    private readonly ConcurrentDictionary<(uint Version, string Cookie), byte> _grantCookies = new();
    private readonly ConcurrentQueue<Notice> _notices = new();
    private readonly SemaphoreSlim _noticeCount = new(0);
    private long _sequence;
    private int _grantedCalls;

    private PeerLockManager(PortmapTable table, RpcServer server)
    {
        Portmap = table;
        _server = server;
    }

    /// <summary>A GRANTED or GRANTED_MSG call received: the lock as the server named it, and when (<see cref="NextSequence"/>).</summary>
    public sealed record Granted(uint Version, bool Message, long Sequence, byte[] Cookie, bool Exclusive, int Svid, ulong Offset, ulong Length, string OwnerHandle);

    /// <summary>A *_RES call received (the answer to a *_MSG call): its version and status code (nlm4_stats or nlm_stats).</summary>
    public sealed record Result(uint Version, int Status);

    /// <summary>An SM_NOTIFY received, and where from.</summary>
    public sealed record Notice(string MonName, int State, IPAddress Source);

    /// <summary>The portmapper's list; a test may remap a program (and must restore it) to send calls elsewhere.</summary>
    public PortmapTable Portmap { get; }

    /// <summary>Where the portmapper answers (UDP and TCP): the server's locks.peer_portmap_port.</summary>
    public int PortmapPort => _server.LocalEndPoint.Port;

    public int UdpPort => _server.UdpEndPoint!.Port;

    public int TcpPort => _server.LocalEndPoint.Port;

    /// <summary>GRANTED and GRANTED_MSG calls received so far, of every version (a retransmission, with the cookie of one received before, not counted).</summary>
    public int GrantedCalls => Volatile.Read(ref _grantedCalls);

    /// <summary>What GRANTED is answered with (v4 terms; narrowed for v1/v3): granted, unless a test wants a refusal.</summary>
    public Nlm4Stats GrantedAnswer { get; set; } = Nlm4Stats.Nlm4Granted;

    /// <summary>
    /// A counter shared by the peer and its test: a GRANTED call takes a number as it arrives; a test takes numbers
    /// for its own events. Its order is the order in which the events happened.
    /// </summary>
    public long NextSequence() => Interlocked.Increment(ref _sequence);

    public static async Task<PeerLockManager> StartAsync()
    {
        var table = new PortmapTable();
        PeerLockManager? peer = null;
        var handlers = new Handlers(() => peer!);
        var server = new RpcServer(
            new RpcServerOptions { Port = 0, Udp = new RpcUdpOptions { ServesProgram = _ => true } },
            [
                PortmapProgram.Create(new PortmapService(table, NullLogger<PortmapService>.Instance)),
                new NlmV1Dispatcher<RpcCallContext>(handlers),
                new NlmV3Dispatcher<RpcCallContext>(handlers),
                new NlmV4Dispatcher<RpcCallContext>(handlers),
                new SmV1Dispatcher<RpcCallContext>(handlers),
            ],
            NullLogger.Instance);
        await server.StartAsync();
        peer = new PeerLockManager(table, server);
        foreach (uint version in new[] { NlmV1Program.Version, NlmV3Program.Version, NlmV4Program.Version })
            peer.RestoreNlm(version);
        table.Set(new Mapping { Prog = SmV1Program.Program, Vers = SmV1Program.Version, Prot = 17, Port = (uint)peer.UdpPort });
        table.Set(new Mapping { Prog = SmV1Program.Program, Vers = SmV1Program.Version, Prot = 6, Port = (uint)peer.TcpPort });
        return peer;
    }

    /// <summary>Lists NLM <paramref name="version"/> at these ports instead of what it was listed at (0: not listed for that protocol).</summary>
    public void MapNlm(uint version, int udpPort, int tcpPort)
    {
        Portmap.Unset(NlmV4Program.Program, version);
        foreach (var (protocol, port) in new[] { (17u, udpPort), (6u, tcpPort) })
        {
            if (port != 0)
                Portmap.Set(new Mapping { Prog = NlmV4Program.Program, Vers = version, Prot = protocol, Port = (uint)port });
        }
    }

    /// <summary>Lists NLM <paramref name="version"/> at this peer again.</summary>
    public void RestoreNlm(uint version) => MapNlm(version, UdpPort, TcpPort);

    /// <summary>The GRANTED (or GRANTED_MSG) for <paramref name="svid"/>'s lock on <paramref name="file"/>, whether it came already or comes later.</summary>
    public Task<Granted> ExpectGranted(byte[] file, int svid) =>
        _granted.GetOrAdd((Convert.ToHexString(file), svid), _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Forgets the GRANTED for this lock, received or not, so that the next one can be expected.</summary>
    public void ForgetGranted(byte[] file, int svid) => _granted.TryRemove((Convert.ToHexString(file), svid), out _);

    /// <summary>The *_RES call carrying <paramref name="cookie"/>.</summary>
    public Task<Result> ExpectResult(string cookie) =>
        _results.GetOrAdd(cookie, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public async Task<Notice> NextNoticeAsync(TimeSpan timeout)
    {
        if (!await _noticeCount.WaitAsync(timeout))
            throw new TimeoutException($"No SM_NOTIFY within {timeout}");
        _notices.TryDequeue(out var notice);
        return notice!;
    }

    private void OnGranted(uint version, bool message, ReadOnlyMemory<byte> cookie, bool exclusive, ReadOnlyMemory<byte> file, int svid, ulong offset, ulong length, ReadOnlyMemory<byte> owner)
    {
        // The server's cookie names the grant: a GRANTED retransmitted because the answer was slow is the same grant.
        if (!_grantCookies.TryAdd((version, Convert.ToHexString(cookie.Span)), 0))
            return;
        var granted = new Granted(version, message, NextSequence(), cookie.ToArray(), exclusive, svid, offset, length, Encoding.UTF8.GetString(owner.Span));
        Interlocked.Increment(ref _grantedCalls);
        _granted.GetOrAdd((Convert.ToHexString(file.Span), svid), _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(granted);
    }

    private void OnResult(uint version, ReadOnlyMemory<byte> cookie, int status) =>
        _results.GetOrAdd(Encoding.UTF8.GetString(cookie.Span), _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(new Result(version, status));

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    /// <summary>The RPC procedures: what a client's lock manager and status monitor are called with.</summary>
    private sealed class Handlers(Func<PeerLockManager> peer) : INlmV4<RpcCallContext>, INlmV3<RpcCallContext>, INlmV1<RpcCallContext>, ISmV1<RpcCallContext>
    {
        public ValueTask NullAsync(RpcCallContext context) => default;

        // ---- NLM v4 ----
        public ValueTask<Nlm4Res> GrantedAsync(Nlm4Testargs arguments, RpcCallContext context)
        {
            var alock = arguments.Alock;
            peer().OnGranted(4, false, arguments.Cookie.Value, arguments.Exclusive, alock.Fh.Value, alock.Svid, alock.LOffset, alock.LLen, alock.Oh.Value);
            return new(new Nlm4Res { Cookie = arguments.Cookie.ToArray(), Stat = new Nlm4Stat { Stat = peer().GrantedAnswer } });
        }

        public ValueTask GrantedMsgAsync(Nlm4Testargs arguments, RpcCallContext context)
        {
            var alock = arguments.Alock;
            peer().OnGranted(4, true, arguments.Cookie.Value, arguments.Exclusive, alock.Fh.Value, alock.Svid, alock.LOffset, alock.LLen, alock.Oh.Value);
            return default;
        }

        public ValueTask LockResAsync(Nlm4Res arguments, RpcCallContext context) => Answered(arguments, context);
        public ValueTask TestResAsync(Nlm4Testres arguments, RpcCallContext context) => default;
        public ValueTask CancelResAsync(Nlm4Res arguments, RpcCallContext context) => Answered(arguments, context);
        public ValueTask UnlockResAsync(Nlm4Res arguments, RpcCallContext context) => Answered(arguments, context);
        public ValueTask GrantedResAsync(Nlm4Res arguments, RpcCallContext context) => default;

        private ValueTask Answered(Nlm4Res arguments, RpcCallContext context)
        {
            peer().OnResult(4, arguments.Cookie.Value, (int)arguments.Stat.Stat);
            return default;
        }

        public ValueTask<Nlm4Testres> TestAsync(Nlm4Testargs arguments, RpcCallContext context) => default;
        public ValueTask<Nlm4Res> LockAsync(Nlm4Lockargs arguments, RpcCallContext context) => default;
        public ValueTask<Nlm4Res> CancelAsync(Nlm4Cancargs arguments, RpcCallContext context) => default;
        public ValueTask<Nlm4Res> UnlockAsync(Nlm4Unlockargs arguments, RpcCallContext context) => default;
        public ValueTask TestMsgAsync(Nlm4Testargs arguments, RpcCallContext context) => default;
        public ValueTask LockMsgAsync(Nlm4Lockargs arguments, RpcCallContext context) => default;
        public ValueTask CancelMsgAsync(Nlm4Cancargs arguments, RpcCallContext context) => default;
        public ValueTask UnlockMsgAsync(Nlm4Unlockargs arguments, RpcCallContext context) => default;
        public ValueTask<Nlm4Shareres> ShareAsync(Nlm4Shareargs arguments, RpcCallContext context) => default;
        public ValueTask<Nlm4Shareres> UnshareAsync(Nlm4Shareargs arguments, RpcCallContext context) => default;
        public ValueTask<Nlm4Res> NmLockAsync(Nlm4Lockargs arguments, RpcCallContext context) => default;
        public ValueTask FreeAllAsync(Nlm4Notify arguments, RpcCallContext context) => default;

        // ---- NLM v1 and v3 (the same procedures and types; the version is the call's) ----
        public ValueTask<NlmRes> GrantedAsync(NlmTestargs arguments, RpcCallContext context)
        {
            var alock = arguments.Alock;
            peer().OnGranted(context.Version, false, arguments.Cookie.Value, arguments.Exclusive, alock.Fh.Value, alock.Svid, alock.LOffset, alock.LLen, alock.Oh.Value);
            var answer = peer().GrantedAnswer == Nlm4Stats.Nlm4Granted ? NlmStats.LckGranted : NlmStats.LckDenied;
            return new(new NlmRes { Cookie = arguments.Cookie.ToArray(), Stat = new NlmStat { Stat = answer } });
        }

        public ValueTask GrantedMsgAsync(NlmTestargs arguments, RpcCallContext context)
        {
            var alock = arguments.Alock;
            peer().OnGranted(context.Version, true, arguments.Cookie.Value, arguments.Exclusive, alock.Fh.Value, alock.Svid, alock.LOffset, alock.LLen, alock.Oh.Value);
            return default;
        }

        public ValueTask LockResAsync(NlmRes arguments, RpcCallContext context) => Answered(arguments, context);
        public ValueTask TestResAsync(NlmTestres arguments, RpcCallContext context) => default;
        public ValueTask CancelResAsync(NlmRes arguments, RpcCallContext context) => Answered(arguments, context);
        public ValueTask UnlockResAsync(NlmRes arguments, RpcCallContext context) => Answered(arguments, context);
        public ValueTask GrantedResAsync(NlmRes arguments, RpcCallContext context) => default;

        private ValueTask Answered(NlmRes arguments, RpcCallContext context)
        {
            peer().OnResult(context.Version, arguments.Cookie.Value, (int)arguments.Stat.Stat);
            return default;
        }

        public ValueTask<NlmTestres> TestAsync(NlmTestargs arguments, RpcCallContext context) => default;
        public ValueTask<NlmRes> LockAsync(NlmLockargs arguments, RpcCallContext context) => default;
        public ValueTask<NlmRes> CancelAsync(NlmCancargs arguments, RpcCallContext context) => default;
        public ValueTask<NlmRes> UnlockAsync(NlmUnlockargs arguments, RpcCallContext context) => default;
        public ValueTask TestMsgAsync(NlmTestargs arguments, RpcCallContext context) => default;
        public ValueTask LockMsgAsync(NlmLockargs arguments, RpcCallContext context) => default;
        public ValueTask CancelMsgAsync(NlmCancargs arguments, RpcCallContext context) => default;
        public ValueTask UnlockMsgAsync(NlmUnlockargs arguments, RpcCallContext context) => default;
        public ValueTask<NlmShareres> ShareAsync(NlmShareargs arguments, RpcCallContext context) => default;
        public ValueTask<NlmShareres> UnshareAsync(NlmShareargs arguments, RpcCallContext context) => default;
        public ValueTask<NlmRes> NmLockAsync(NlmLockargs arguments, RpcCallContext context) => default;
        public ValueTask FreeAllAsync(NlmNotify arguments, RpcCallContext context) => default;

        // ---- NSM v1: the notices of servers that restarted ----
        public ValueTask NotifyAsync(StatChge arguments, RpcCallContext context)
        {
            var p = peer();
            p._notices.Enqueue(new Notice(Encoding.UTF8.GetString(arguments.MonName.Span), arguments.State, context.Client!.Address));
            p._noticeCount.Release();
            return default;
        }

        public ValueTask<SmStatRes> StatAsync(SmName arguments, RpcCallContext context) => new(new SmStatRes { ResStat = Res.StatFail });
        public ValueTask<SmStatRes> MonAsync(Mon arguments, RpcCallContext context) => new(new SmStatRes { ResStat = Res.StatFail });
        public ValueTask<SmStat> UnmonAsync(MonId arguments, RpcCallContext context) => new(new SmStat());
        public ValueTask<SmStat> UnmonAllAsync(MyId arguments, RpcCallContext context) => new(new SmStat());
        public ValueTask SimuCrashAsync(RpcCallContext context) => default;
    }
}
