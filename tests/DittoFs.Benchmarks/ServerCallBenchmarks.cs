using System.Buffers.Binary;
using System.Net;
using BenchmarkDotNet.Attributes;
using DittoFs.Nfs;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage.Memory;
using DittoFs.Storage.RocksDb;
using DittoFs.Vfs;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging.Abstractions;
using Attr = DittoFs.Protocol.Nfs4ProtConstants;

namespace DittoFs.Benchmarks;

/// <summary>
/// The server's own cost of the same work over NFSv3 and NFSv4.1: whole calls through the real dispatchers and services
/// down to the in-memory stores, without the transport and without a client sharing the CPU (which the wire figures
/// of <c>ditto-nfs bench</c> include). The v4.1 calls are the COMPOUNDs the bench and Linux send: SEQUENCE on one
/// session's slot, PUTFH, the operation.
/// </summary>
[MemoryDiagnoser]
public class ServerCallBenchmarks
{
    /// <summary>What Linux asks after a WRITE or for a stat (RFC 8881 §5.8 numbers).</summary>
    private static readonly uint[] LinuxAttributes = Mask(1, 3, 4, 8, 20, 33, 35, 36, 37, 41, 45, 47, 52, 53, 55);
    private static readonly uint[] SizeOnly = Mask(Attr.Fattr4Size);

    private readonly RpcCallContext _context = new() { Client = new IPEndPoint(IPAddress.Loopback, 800), AuthFlavor = 1 };
    private readonly XdrBufferWriter _results = new();
    private IXdrProgram<RpcCallContext> _nfs3 = null!;
    private IXdrProgram<RpcCallContext> _nfs4 = null!;
    private RocksDbMetadataStore _rocksDbStore = null!;
    private string _state = null!;
    private byte[] _session = null!;
    private uint _sequence;
    private (int Offset, int Length) _openHandle, _openOther;
    private int _closeHandle, _closeOther;
    private byte[] _v3Getattr = null!, _v3Create = null!, _v3Remove = null!, _v3CreateRocksDb = null!, _v3RemoveRocksDb = null!;
    private byte[] _v4Sequence = null!, _v4PutFh = null!, _v4GetattrSize = null!, _v4GetattrLinux = null!, _v4Open = null!, _v4Close = null!, _v4Remove = null!;

    [GlobalSetup]
    public void Setup()
    {
        var share = new Share("/export", VirtualFileSystem.OpenAsync("/export", new MemoryMetadataStore(), new MemoryContentStore(), rootMode: 0x1FF).AsTask().GetAwaiter().GetResult(),
            new ExportOptions { RootSquash = false });
        _state = Directory.CreateTempSubdirectory("dittofs-bench-").FullName;
        // The same creates on a RocksDB metadata store (its changes wait for a WAL sync: the CPU figure includes the sync thread's).
        _rocksDbStore = new RocksDbMetadataStore(Path.Combine(_state, "rocksdb"));
        var rocksDb = new Share("/rocksdb", VirtualFileSystem.OpenAsync("/rocksdb", _rocksDbStore, new MemoryContentStore(), rootMode: 0x1FF)
            .AsTask().GetAwaiter().GetResult(), new ExportOptions { RootSquash = false });
        var programs = NfsPrograms.Create(new ShareTable(share, rocksDb), new NfsServerOptions(), NullLoggerFactory.Instance,
            nfs4: Nfs4ClientRecords.Open(_state, new DittoFs.Vfs.Locks.LockGracePeriod(TimeProvider.System)));
        _nfs3 = programs.Single(program => program.Program == NfsV3Program.Program && program.Version == NfsV3Program.Version);
        _nfs4 = programs.Single(program => program.Program == Nfs4V4Program.Program && program.Version == Nfs4V4Program.Version);
        var root = new NfsFh3 { Data = share.RootHandle };

        // A file to ask about, made over v3 (v3 and v4 name it by the same handle).
        var file = XdrCodec.Decode<Create3Res>(Call(_nfs3, (uint)NfsV3Procedure.Create,
            XdrCodec.Encode(new Create3Args { Where = new Diropargs3 { Dir = root, Name = "file"u8.ToArray() } }))).Resok.Obj.Handle.Data.ToArray();
        _v3Getattr = XdrCodec.Encode(new Getattr3Args { Object = new NfsFh3 { Data = file } });
        _v3Create = XdrCodec.Encode(new Create3Args { Where = new Diropargs3 { Dir = root, Name = "new"u8.ToArray() } });
        _v3Remove = XdrCodec.Encode(new Remove3Args { Object = new Diropargs3 { Dir = root, Name = "new"u8.ToArray() } });
        var rocksDbRoot = new NfsFh3 { Data = rocksDb.RootHandle };
        _v3CreateRocksDb = XdrCodec.Encode(new Create3Args { Where = new Diropargs3 { Dir = rocksDbRoot, Name = "new"u8.ToArray() } });
        _v3RemoveRocksDb = XdrCodec.Encode(new Remove3Args { Object = new Diropargs3 { Dir = rocksDbRoot, Name = "new"u8.ToArray() } });

        // EXCHANGE_ID, CREATE_SESSION, RECLAIM_COMPLETE: the session whose slot 0 every measured COMPOUND uses.
        var exchange = Compound(NfsArgop4.FromOpexchangeId(new ExchangeId4Args
        {
            EiaClientowner = new ClientOwner4 { CoVerifier = new byte[8], CoOwnerid = "bench"u8.ToArray() },
            EiaStateProtect = new StateProtect4A { SpaHow = StateProtectHow4.Sp4None },
            EiaClientImplId = Array.Empty<NfsImplId4>(),
        })).Resarray.ToArray()[0].OpexchangeId.EirResok4;
        var channel = new ChannelAttrs4 { CaMaxrequestsize = 1 << 20, CaMaxresponsesize = 1 << 20, CaMaxresponsesizeCached = 1 << 16, CaMaxoperations = 16, CaMaxrequests = 1, CaRdmaIrd = Array.Empty<uint>() };
        _session = Compound(NfsArgop4.FromOpcreateSession(new CreateSession4Args
        {
            CsaClientid = exchange.EirClientid, CsaSequence = exchange.EirSequenceid, CsaForeChanAttrs = channel, CsaBackChanAttrs = channel,
            CsaCbProgram = 0x40000000, CsaSecParms = new[] { new CallbackSecParms4 { CbSecflavor = 0 } },
        })).Resarray.ToArray()[0].OpcreateSession.CsrResok4.CsrSessionid.Value.ToArray();
        Compound(Sequence(++_sequence), NfsArgop4.FromOpreclaimComplete(new ReclaimComplete4Args { RcaOneFs = false }));

        _v4Sequence = Encode();
        _v4PutFh = Encode(PutFh(file));
        _v4GetattrSize = Encode(PutFh(file), NfsArgop4.FromOpgetattr(new Getattr4Args { AttrRequest = SizeOnly }));
        _v4GetattrLinux = Encode(PutFh(file), NfsArgop4.FromOpgetattr(new Getattr4Args { AttrRequest = LinuxAttributes }));
        // What ditto-nfs bench's small_files sends to create: OPEN (UNCHECKED4, size 0, mode 0644) + GETFH, then CLOSE.
        var createAttributes = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(createAttributes.AsSpan(8), 0x1A4);
        _v4Open = Encode(PutFh(share.RootHandle.ToArray()), NfsArgop4.FromOpopen(new Open4Args
        {
            ShareAccess = Attr.Open4ShareAccessBoth | Attr.Open4ShareAccessWantNoDeleg,
            ShareDeny = Attr.Open4ShareDenyNone,
            Owner = new StateOwner4 { Clientid = exchange.EirClientid, Owner = "owner"u8.ToArray() },
            Openhow = new Openflag4
            {
                Opentype = Opentype4.Open4Create,
                How = new Createhow4 { Mode = Createmode4.Unchecked4, Createattrs = new Fattr4 { Attrmask = Mask(Attr.Fattr4Size, Attr.Fattr4Mode), AttrVals = createAttributes } },
            },
            Claim = new OpenClaim4 { Claim = OpenClaimType4.ClaimNull, File = "new4"u8.ToArray() },
        }), new NfsArgop4(NfsOpnum4.OpGetfh));
        // Each OPEN makes a new file and open: its CLOSE names both, copied from the OPEN's reply into the encoded
        // CLOSE at the places a first OPEN shows (CLOSE's seqid 0 means the current one in 4.1, RFC 8881 §8.2.2).
        var opened = Run(_nfs4, _v4Open).ToArray();
        var reply = XdrCodec.Decode<Compound4Res>(opened);
        var results = reply.Resarray.ToArray();
        var created = results[3].Opgetfh.Resok4.Object.Value.ToArray();
        var other = results[2].Opopen.Resok4.Stateid.Other.ToArray();
        _v4Close = Encode(PutFh(created), NfsArgop4.FromOpclose(new Close4Args { OpenStateid = new Stateid4 { Seqid = 0, Other = other } }));
        _v4Remove = Encode(PutFh(share.RootHandle.ToArray()), NfsArgop4.FromOpremove(new Remove4Args { Target = "new4"u8.ToArray() }));
        _openHandle = (opened.AsSpan().IndexOf(created), created.Length);
        _openOther = (opened.AsSpan().IndexOf(other), other.Length);
        _closeHandle = _v4Close.AsSpan().IndexOf(created);
        _closeOther = _v4Close.AsSpan().IndexOf(other);
        Run(_nfs4, _v4Close);
        Run(_nfs4, _v4Remove);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _results.Dispose();
        _rocksDbStore.Dispose();
        Directory.Delete(_state, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public void V3Getattr() => Call(_nfs3, (uint)NfsV3Procedure.Getattr, _v3Getattr);

    /// <summary>SEQUENCE alone, and with PUTFH: what every v4.1 call pays before its operation.</summary>
    [Benchmark]
    public void V41Sequence() => Run(_nfs4, _v4Sequence);

    [Benchmark]
    public void V41SequencePutfh() => Run(_nfs4, _v4PutFh);

    [Benchmark]
    public void V41GetattrSize() => Run(_nfs4, _v4GetattrSize);

    [Benchmark]
    public void V41GetattrLinux() => Run(_nfs4, _v4GetattrLinux);

    /// <summary>CREATE then REMOVE of the same name: a steady state.</summary>
    [Benchmark]
    public void V3CreateRemove()
    {
        Call(_nfs3, (uint)NfsV3Procedure.Create, _v3Create);
        Call(_nfs3, (uint)NfsV3Procedure.Remove, _v3Remove);
    }

    /// <summary>The same on the RocksDB metadata store.</summary>
    [Benchmark]
    public void V3CreateRemoveRocksDb()
    {
        Call(_nfs3, (uint)NfsV3Procedure.Create, _v3CreateRocksDb);
        Call(_nfs3, (uint)NfsV3Procedure.Remove, _v3RemoveRocksDb);
    }

    /// <summary>OPEN+GETFH, CLOSE, REMOVE: three COMPOUNDs where v3 needs two calls.</summary>
    [Benchmark]
    public void V41OpenCloseRemove()
    {
        var opened = Run(_nfs4, _v4Open).Span;
        opened.Slice(_openHandle.Offset, _openHandle.Length).CopyTo(_v4Close.AsSpan(_closeHandle));
        opened.Slice(_openOther.Offset, _openOther.Length).CopyTo(_v4Close.AsSpan(_closeOther));
        Run(_nfs4, _v4Close);
        Run(_nfs4, _v4Remove);
    }

    /// <summary>
    /// Runs the benchmark method <paramref name="name"/> for <paramref name="duration"/> after a warm-up, for a profiler to
    /// sample; prints calls per second, the process's CPU time per call (steadier than time on a shared machine) and the
    /// bytes allocated per call.
    /// </summary>
    public static int Loop(string name, TimeSpan duration)
    {
        var benchmarks = new ServerCallBenchmarks();
        benchmarks.Setup();
        var method = typeof(ServerCallBenchmarks).GetMethod(name) ?? throw new ArgumentException($"no benchmark {name}");
        var run = method.CreateDelegate<Action>(benchmarks);
        for (int i = 0; i < 100_000; i++)
        {
            run();
        }
        var process = System.Diagnostics.Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        long calls = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            for (int i = 0; i < 1000; i++)
            {
                run();
            }
            calls += 1000;
        }
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        process.Refresh();
        Console.WriteLine($"{name}: {calls / clock.Elapsed.TotalSeconds:0} calls/s, {(process.TotalProcessorTime - cpu).TotalNanoseconds / calls:0} ns CPU and {(double)allocated / calls:0} B per call");
        benchmarks.Cleanup();
        return 0;
    }

    /// <summary>Dispatches a COMPOUND encoded by <see cref="Encode"/> after setting its SEQUENCE's next sequence id in place; the reply, valid until the next call.</summary>
    private ReadOnlyMemory<byte> Run(IXdrProgram<RpcCallContext> program, byte[] compound)
    {
        // Tag "" → the sequenceid follows tag length, minor version, count, opnum and the 16-byte session id.
        BinaryPrimitives.WriteUInt32BigEndian(compound.AsSpan(4 + 4 + 4 + 4 + 16), ++_sequence);
        var reply = Call(program, (uint)Nfs4V4Procedure.Compound, compound);
        if (BinaryPrimitives.ReadUInt32BigEndian(reply.Span) != 0)
            throw new InvalidOperationException($"COMPOUND failed: {XdrCodec.Decode<Compound4Res>(reply).Status}");
        return reply;
    }

    private ReadOnlyMemory<byte> Call(IXdrProgram<RpcCallContext> program, uint procedure, byte[] arguments)
    {
        _results.Clear();
        var pending = program.DispatchAsync(procedure, arguments, _context, _results);
        if ((pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult()) != XdrDispatchResult.Success)
            throw new InvalidOperationException($"procedure {procedure} did not dispatch");
        return _results.WrittenMemory;
    }

    private Compound4Res Compound(params NfsArgop4[] operations)
    {
        var reply = XdrCodec.Decode<Compound4Res>(Call(_nfs4, (uint)Nfs4V4Procedure.Compound,
            XdrCodec.Encode(new Compound4Args { Tag = Array.Empty<byte>(), Minorversion = 1, Argarray = operations })).ToArray());
        if (reply.Status != Nfsstat4.Nfs4Ok)
            throw new InvalidOperationException($"{operations[^1].Argop}: {reply.Status}");
        return reply;
    }

    private byte[] Encode(params NfsArgop4[] operations) =>
        XdrCodec.Encode(new Compound4Args { Tag = Array.Empty<byte>(), Minorversion = 1, Argarray = (NfsArgop4[])[Sequence(0), .. operations] });

    private NfsArgop4 Sequence(uint id) => NfsArgop4.FromOpsequence(new Sequence4Args { SaSessionid = _session, SaSequenceid = id, SaSlotid = 0, SaHighestSlotid = 0 });

    private static NfsArgop4 PutFh(byte[] handle) => NfsArgop4.FromOpputfh(new Putfh4Args { Object = handle });

    private static uint[] Mask(params int[] attributes)
    {
        var mask = new uint[attributes.Max() / 32 + 1];
        foreach (int attribute in attributes)
            mask[attribute / 32] |= 1u << (attribute % 32);
        return mask;
    }
}
