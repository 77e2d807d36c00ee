using System.Collections.Concurrent;
using System.Net;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Rpc.Portmap;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.EndToEnd;

/// <summary>
/// The status monitor (NSM) of the real dittofs against a peer played by the test: an NSM listener (SM v1 over UDP and
/// TCP on loopback) and a callback program, both found through a portmapper the test runs on an ephemeral port. The
/// server is pointed at that portmapper with locks.peer_portmap_port; it asks it with PMAPPROC_GETPORT exactly as it
/// asks a client machine's portmapper on port 111, so the lookup path is the real one. (The server's own portmapper
/// cannot stand in: it lists the server's own NSM under 100024, and port 111 is the machine's.)
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class StatusMonitorTests
{
    private const uint CallbackProgramNumber = 0x20000099; // user-defined range (RFC 5531 §8.3)
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly byte[] Priv = Enumerable.Range(100, 16).Select(i => (byte)i).ToArray();
    private string _data = null!;

    [SetUp]
    public void CreateDataDirectory() => _data = Directory.CreateTempSubdirectory("dittofs-nsm-").FullName;

    [TearDown]
    public void RemoveDataDirectory() => Directory.Delete(_data, recursive: true);

    [Test]
    public async Task A_monitored_peer_is_told_of_a_restart_with_a_larger_odd_state_and_its_reboot_notice_is_called_back()
    {
        var peer = new PeerNsm();
        var portmapTable = new PortmapTable();
        await using var portmapper = await StartAsync(PortmapProgram.Create(new PortmapService(portmapTable, NullLogger<PortmapService>.Instance)));
        await using var listener = await StartAsync(new SmV1Dispatcher<RpcCallContext>(peer), new CallbackProgram(peer));
        foreach (uint program in new[] { SmV1Program.Program, CallbackProgramNumber })
        {
            portmapTable.Set(new Mapping { Prog = program, Vers = 1, Prot = 6, Port = (uint)listener.LocalEndPoint.Port });
            portmapTable.Set(new Mapping { Prog = program, Vers = 1, Prot = 17, Port = (uint)listener.UdpEndPoint!.Port });
        }
        string config = Path.Combine(_data, "dittofs.yaml");
        File.WriteAllText(config, $"""
            locks:
              state_dir: {_data}/nsm
              host_name: ditto-e2e
              peer_portmap_port: {portmapper.LocalEndPoint.Port}
            {ConfiguredServer.InMemoryShare}
            """);

        int stateBefore;
        using (var server = DittoFsProcess.Start("--config", config))
        {
            await using var tcp = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));
            var mon = new Mon
            {
                MonId = new MonId { MonName = "127.0.0.1"u8.ToArray(), MyId = new MyId { MyName = "127.0.0.1"u8.ToArray(), MyProg = (int)CallbackProgramNumber, MyVers = 1, MyProc = 1 } },
                Priv = Priv,
            };
            var reply = await new SmV1Client(tcp).MonAsync(mon).AsTask().WaitAsync(Timeout);
            Assert.That(reply.ResStat, Is.EqualTo(Res.StatSucc), server.Output);
            stateBefore = reply.State;
            // The same state over UDP: NSM is served there too.
            await using var udp = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, server.Port));
            var stat = await new SmV1Client(udp).StatAsync(new SmName { MonName = "127.0.0.1"u8.ToArray() }).AsTask().WaitAsync(Timeout);
            Assert.That((stat.ResStat, stat.State), Is.EqualTo((Res.StatSucc, stateBefore)));
            Assert.That(server.Terminate(Timeout), Is.EqualTo(0), server.Output);
        }
        Assert.That(stateBefore % 2, Is.EqualTo(1), "odd while up");
        Assert.That(peer.Notices, Is.Empty, "nobody was monitored when the first run started");

        using (var server = DittoFsProcess.Start("--config", config))
        {
            var (notice, source) = await peer.NextNoticeAsync().WaitAsync(Timeout);
            Assert.That(notice.MonName, Is.EqualTo("ditto-e2e"), server.Output);
            Assert.That(notice.State, Is.GreaterThan(stateBefore));
            Assert.That(notice.State % 2, Is.EqualTo(1));
            Assert.That(IPAddress.IsLoopback(source), Is.True);

            // Now the peer reboots: a forged notice first (a host nobody monitors), then the peer's own.
            await using var udp = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, server.Port));
            var sm = new SmV1Client(udp);
            await sm.NotifyAsync(new StatChge { MonName = "somebody-else"u8.ToArray(), State = 77 }).AsTask().WaitAsync(Timeout);
            await sm.NotifyAsync(new StatChge { MonName = "127.0.0.1"u8.ToArray(), State = 41 }).AsTask().WaitAsync(Timeout);

            var status = await peer.NextCallbackAsync().WaitAsync(Timeout);
            Assert.That((status.MonName, status.State, status.Priv), Is.EqualTo(("127.0.0.1", 41, Priv)), server.Output);
            Assert.That(server.Output, Does.Contain("SM_NOTIFY for somebody-else (state 77)").And.Contain("ignored"));
            Assert.That(server.Terminate(Timeout), Is.EqualTo(0), server.Output);
        }
        Assert.That(peer.Callbacks, Is.Empty, "the forged notice was not called back");
    }

    [Test]
    public void The_embedded_default_keeps_the_state_in_the_data_directory()
    {
        string state = Path.Combine(_data, "nsm", "state");
        using (var server = DittoFsProcess.Start("--data-dir", _data))
        {
            Assert.That(File.ReadAllText(state).Trim(), Is.EqualTo("1"), "stored before the server answers");
            Assert.That(server.Terminate(Timeout), Is.EqualTo(0));
        }
        using (var server = DittoFsProcess.Start("--data-dir", _data))
        {
            Assert.That(File.ReadAllText(state).Trim(), Is.EqualTo("3"));
            Assert.That(server.Terminate(Timeout), Is.EqualTo(0));
        }
    }

    private static async Task<RpcServer> StartAsync(params IXdrProgram<RpcCallContext>[] programs)
    {
        var server = new RpcServer(new RpcServerOptions { Port = 0, Udp = new RpcUdpOptions() }, programs, NullLogger<RpcServer>.Instance);
        await server.StartAsync();
        return server;
    }

    private sealed record Notice(string MonName, int State);

    private sealed record Callback(string MonName, int State, byte[] Priv);

    /// <summary>The peer's NSM: records the SM_NOTIFY it receives and where from.</summary>
    private sealed class PeerNsm : ISmV1<RpcCallContext>
    {
        public ConcurrentQueue<(Notice, IPAddress)> Notices { get; } = new();
        public ConcurrentQueue<Callback> Callbacks { get; } = new();
        private readonly SemaphoreSlim _notices = new(0);
        private readonly SemaphoreSlim _callbacks = new(0);

        public async Task<(Notice, IPAddress)> NextNoticeAsync()
        {
            await _notices.WaitAsync();
            Notices.TryDequeue(out var notice);
            return notice;
        }

        public async Task<Callback> NextCallbackAsync()
        {
            await _callbacks.WaitAsync();
            Callbacks.TryDequeue(out var callback);
            return callback!;
        }

        public void Called(Callback callback)
        {
            Callbacks.Enqueue(callback);
            _callbacks.Release();
        }

        public ValueTask NotifyAsync(StatChge arguments, RpcCallContext context)
        {
            Notices.Enqueue((new Notice(System.Text.Encoding.UTF8.GetString(arguments.MonName.Span), arguments.State), context.Client!.Address));
            _notices.Release();
            return default;
        }

        public ValueTask NullAsync(RpcCallContext context) => default;
        public ValueTask<SmStatRes> StatAsync(SmName arguments, RpcCallContext context) => new(new SmStatRes { ResStat = Res.StatFail });
        public ValueTask<SmStatRes> MonAsync(Mon arguments, RpcCallContext context) => new(new SmStatRes { ResStat = Res.StatFail });
        public ValueTask<SmStat> UnmonAsync(MonId arguments, RpcCallContext context) => new(new SmStat());
        public ValueTask<SmStat> UnmonAllAsync(MyId arguments, RpcCallContext context) => new(new SmStat());
        public ValueTask SimuCrashAsync(RpcCallContext context) => default;
    }

    /// <summary>The program SM_MON named in my_id: procedure 1 takes the NSM's status callback (mon_name, state, priv).</summary>
    private sealed class CallbackProgram(PeerNsm peer) : IXdrProgram<RpcCallContext>
    {
        public uint Program => CallbackProgramNumber;
        public uint Version => 1;

        public ValueTask<XdrDispatchResult> DispatchAsync(uint procedure, ReadOnlyMemory<byte> arguments, RpcCallContext context, XdrBufferWriter results)
        {
            if (procedure != 1)
                return new(XdrDispatchResult.ProcedureUnavailable);
            var reader = new XdrReader(arguments);
            var status = Status.Read(ref reader);
            if (reader.HasError)
                return new(XdrDispatchResult.GarbageArguments);
            peer.Called(new Callback(System.Text.Encoding.UTF8.GetString(status.MonName.Span), status.State, status.Priv.ToArray()));
            return new(XdrDispatchResult.Success);
        }
    }
}
