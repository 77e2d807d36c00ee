using DittoFs.Tests;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage.Memory;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging.Abstractions;
using DittoFs.Vfs;

namespace DittoFs.Nfs.Tests;

/// <summary>
/// The server's whole hot path allocates nothing per request in steady state (DESIGN.md): the real
/// <see cref="RpcServer"/> with the NFS programs over the in-memory stores, driven over a loopback socket with
/// pipelined GETATTR, READ and WRITE calls, and every byte the process allocates counted
/// (<see cref="GC.GetTotalAllocatedBytes"/>, all threads). The client sends pre-encoded records and reads replies
/// with blocking socket calls into one buffer, so it allocates nothing itself. An allocation count, not a timing.
/// </summary>
[NonParallelizable]
public class ServerAllocationTests
{
    private const int InFlight = 16;
    // Connections of the many-connections test: with InFlight calls each, 512 in flight at once, beyond what the call
    // pool once kept on a small machine (16 per core, at least 64), which then built and dropped calls as they came.
    private const int ManyConnections = 32;
    private const int WarmupBatches = 200;
    private const int MeasuredBatches = 1_000;
    private const int MeasuredBatchesOf1MiB = 200;
    private const int Windows = 4;
    // Any object allocated per request would cost at least 24 bytes per request. What the process allocates besides
    // (thread pool and timer housekeeping, a few hundred bytes a second) shows as a fraction of a byte per request,
    // more in the slower 1 MiB windows; this bound keeps both apart.
    private const int BytesPerRequestAllowed = 4;

    private RpcServer _server = null!;
    private Socket[] _clients = [];
    private NfsFh3 _file;
    private byte[] _replies = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        Allocations.RequireOptimisedBuild(typeof(RpcServer).Assembly);
        Allocations.RequireOptimisedBuild(typeof(NfsService).Assembly);

        var share = new Share("/export", await VirtualFileSystem.OpenAsync("/export", new MemoryMetadataStore(), new MemoryContentStore(), rootMode: 0x1FF), TestServer.OpenExport);
        var shares = new ShareTable(share);
        var options = new NfsServerOptions();
        var nfs = new NfsService(shares, options, NullLogger<NfsService>.Instance);
        var created = await nfs.CreateAsync(new Create3Args { Where = TestServer.Where(new NfsFh3 { Data = share.RootHandle }, "file") }, Callers.Root());
        _file = TestServer.Copy(created.Resok.Obj.Handle);
        await nfs.WriteAsync(new Write3Args { File = _file, Count = 1 << 20, Data = new byte[1 << 20] }, Callers.Root());

        // As the server composes them (NfsPrograms, the duplicate request cache), minus the idle timer, whose
        // ticks are not requests.
        _server = new RpcServer(
            new RpcServerOptions { Address = IPAddress.Loopback, IdleTimeout = TimeSpan.Zero, NonIdempotentProcedures = NfsPrograms.IsNonIdempotent },
            NfsPrograms.Create(shares, options, NullLoggerFactory.Instance),
            NullLogger.Instance);
        await _server.StartAsync();
        _clients = new Socket[ManyConnections];
        for (int i = 0; i < _clients.Length; i++)
        {
            _clients[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            _clients[i].Connect(_server.LocalEndPoint);
        }
        _replies = new byte[InFlight * ((1 << 20) + 4096)];
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Test]
    public void GETATTR_allocates_nothing_per_request() =>
        AssertNothingAllocatedPerRequest(NfsV3Procedure.Getattr, XdrCodec.Encode(new Getattr3Args { Object = _file }));

    [Test]
    public void GETATTR_over_many_connections_allocates_nothing_per_request() =>
        AssertNothingAllocatedPerRequest(NfsV3Procedure.Getattr, XdrCodec.Encode(new Getattr3Args { Object = _file }), connections: ManyConnections);

    [Test]
    public void READ_of_4_KiB_allocates_nothing_per_request() =>
        AssertNothingAllocatedPerRequest(NfsV3Procedure.Read, XdrCodec.Encode(new Read3Args { File = _file, Offset = 8192, Count = 4096 }));

    // A 4 KiB READ's reply grows the call's reply buffer to 8 KiB; with more in flight than the calls that keep grown
    // buffers (64 on a small machine), calls beyond them shrank it back and every READ rented and copied a new one.
    [Test]
    public void READ_of_4_KiB_over_many_connections_allocates_nothing_per_request() =>
        AssertNothingAllocatedPerRequest(NfsV3Procedure.Read, XdrCodec.Encode(new Read3Args { File = _file, Offset = 8192, Count = 4096 }), connections: ManyConnections);

    [Test]
    public void READ_of_1_MiB_allocates_nothing_per_request() =>
        AssertNothingAllocatedPerRequest(NfsV3Procedure.Read, XdrCodec.Encode(new Read3Args { File = _file, Offset = 0, Count = 1 << 20 }), batches: MeasuredBatchesOf1MiB);

    [Test]
    public void Unstable_WRITE_of_64_KiB_allocates_nothing_per_request() =>
        AssertNothingAllocatedPerRequest(NfsV3Procedure.Write, XdrCodec.Encode(new Write3Args
        {
            File = _file, Offset = 65536, Count = 65536, Stable = StableHow.Unstable, Data = new byte[65536],
        }));

    [Test]
    public void Unstable_WRITE_of_1_MiB_allocates_nothing_per_request() =>
        AssertNothingAllocatedPerRequest(NfsV3Procedure.Write, XdrCodec.Encode(new Write3Args
        {
            File = _file, Offset = 0, Count = 1 << 20, Stable = StableHow.Unstable, Data = new byte[1 << 20],
        }), batches: MeasuredBatchesOf1MiB);

    /// <summary>
    /// Steady state is when the server's pools have grown to the load: the pooled calls and their reply buffers to the
    /// most calls ever in flight at once, which a loaded machine may first reach late (the next batch arriving before
    /// the last one's calls went back to the pool). So up to <see cref="Windows"/> measurements follow the warm-up, and
    /// the steadiest must stay under <see cref="BytesPerRequestAllowed"/>.
    /// </summary>
    private void AssertNothingAllocatedPerRequest(NfsV3Procedure procedure, byte[] arguments, int batches = MeasuredBatches, int connections = 1)
    {
        var batch = Batch(procedure, arguments);
        var clients = _clients.AsSpan(0, connections);
        for (int i = 0; i < WarmupBatches; i++)
        {
            RoundTrip(batch, clients);
        }

        long requests = (long)batches * InFlight * connections;
        long fewest = long.MaxValue;
        for (int window = 0; window < Windows && fewest >= requests; window++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < batches; i++)
            {
                RoundTrip(batch, clients);
            }
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            TestContext.Out.WriteLine($"{procedure}: {allocated} bytes allocated by the process over {requests} requests ({(double)allocated / requests:F3} B/request)");
            fewest = Math.Min(fewest, allocated);
        }
        Assert.That(fewest / (double)requests, Is.LessThan(BytesPerRequestAllowed));
    }

    /// <summary>
    /// One send of <see cref="InFlight"/> call records on each of <paramref name="clients"/> (clients pipelining), then
    /// all their replies, each checked for NFS3_OK.
    /// </summary>
    private void RoundTrip(byte[] batch, ReadOnlySpan<Socket> clients)
    {
        foreach (var client in clients)
        {
            client.Send(batch);
        }
        foreach (var client in clients)
        {
            ReadReplies(client);
        }
    }

    private void ReadReplies(Socket client)
    {
        for (int i = 0; i < InFlight; i++)
        {
            ReadExactly(client, _replies.AsSpan(0, 4));
            uint mark = BinaryPrimitives.ReadUInt32BigEndian(_replies);
            if ((mark & 0x8000_0000u) == 0)
            {
                Assert.Fail("a reply in more than one fragment"); // (asserting each reply with a constraint would allocate)
            }
            var reply = _replies.AsSpan(0, (int)(mark & 0x7FFF_FFFF));
            ReadExactly(client, reply);
            // xid, REPLY, MSG_ACCEPTED, verifier (AUTH_NONE, empty), SUCCESS, then the procedure's nfsstat3.
            if (BinaryPrimitives.ReadUInt32BigEndian(reply[8..]) != 0 || BinaryPrimitives.ReadUInt32BigEndian(reply[20..]) != 0
                || BinaryPrimitives.ReadUInt32BigEndian(reply[24..]) != (uint)Nfsstat3.Nfs3Ok)
            {
                Assert.Fail($"reply {i} of a batch was not an accepted NFS3_OK");
            }
        }
    }

    private static void ReadExactly(Socket client, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int read = client.Receive(destination);
            if (read == 0)
            {
                throw new IOException("The server closed the connection.");
            }
            destination = destination[read..];
        }
    }

    /// <summary><see cref="InFlight"/> records of one NFSv3 call from root (AUTH_SYS), with distinct xids.</summary>
    private static byte[] Batch(NfsV3Procedure procedure, byte[] arguments)
    {
        var credential = XdrCodec.Encode(new AuthsysParms { Stamp = 1, Machinename = "bench"u8.ToArray(), Uid = 0, Gid = 0, Gids = Array.Empty<uint>() });
        var records = new List<byte>();
        for (uint xid = 1; xid <= InFlight; xid++)
        {
            var call = new RpcMsg
            {
                Xid = xid,
                Body = new RpcMsgBody
                {
                    Mtype = MsgType.Call,
                    Cbody = new CallBody
                    {
                        Rpcvers = 2,
                        Prog = NfsV3Program.Program,
                        Vers = NfsV3Program.Version,
                        Proc = (uint)procedure,
                        Cred = new OpaqueAuth { Flavor = (uint)AuthFlavor.AuthSys, Body = credential },
                        Verf = new OpaqueAuth { Flavor = (uint)AuthFlavor.AuthNone },
                    },
                },
            };
            byte[] message = [.. XdrCodec.Encode(in call), .. arguments];
            var mark = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(mark, 0x8000_0000u | (uint)message.Length);
            records.AddRange(mark);
            records.AddRange(message);
        }
        return [.. records];
    }
}
