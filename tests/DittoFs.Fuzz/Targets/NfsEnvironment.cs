using System.Net;
using DittoFs.Nfs;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;
using DittoFs.Storage.Memory;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging.Abstractions;
using DittoFs.Vfs;

namespace DittoFs.Fuzz.Targets;

/// <summary>
/// The real MOUNT and NFS services on fresh memory stores, behind their generated dispatchers, with a few objects
/// made up front (a directory, a file with data, a symlink, a file to remove, an empty directory) whose handles seed
/// valid calls. Bounded: the stores refuse growth past a few thousand files and a few MiB, so a long run cannot fill
/// memory by creating things. Two environments made one after the other have the same file ids; only the handles'
/// generation differs, which <see cref="DispatchTarget"/> uses to carry its corpus over a fresh start.
/// </summary>
internal sealed class NfsEnvironment
{
    public const string ExportPath = "/export";
    public const uint MaxFiles = 5_000;
    public const ulong ContentCapacity = 16 * 1024 * 1024;

    private readonly Dictionary<ulong, IXdrProgram<RpcCallContext>> _programs = [];

    private NfsEnvironment(Share share, NfsService nfs, MountService mount, Nfs4Service nfs4)
    {
        Share = share;
        Options = new NfsServerOptions();
        Nfs4 = nfs4;
        _programs[Key(NfsV3Program.Program, NfsV3Program.Version)] = new NfsV3Dispatcher<RpcCallContext>(nfs);
        _programs[Key(MountV3Program.Program, MountV3Program.Version)] = new MountV3Dispatcher<RpcCallContext>(mount);
        _programs[Key(Nfs4V4Program.Program, Nfs4V4Program.Version)] = new Nfs4Dispatcher<RpcCallContext>(nfs4);
    }

    /// <summary>NFSv4 over the same share, as the server runs it with server.nfs4 (the program is 100003 v4).</summary>
    public Nfs4Service Nfs4 { get; }

    /// <summary>A confirmed 4.0 client (SETCLIENTID, SETCLIENTID_CONFIRM) of AUTH_SYS root, for OPEN and RENEW seeds.</summary>
    public ulong Nfs4ClientId { get; private set; }

    /// <summary>A 4.1 session of AUTH_SYS root (EXCHANGE_ID, CREATE_SESSION) with <see cref="Nfs4Slots"/> slots, for SEQUENCE seeds.</summary>
    public byte[] Nfs4Session { get; private set; } = [];

    public const uint Nfs4Slots = 8;

    /// <summary>What a corpus carries over to a fresh environment: the handles, then the session id and 4.0 client id (8 bytes).</summary>
    public IReadOnlyList<byte[]> Replaceable
    {
        get
        {
            var clientId = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(clientId, Nfs4ClientId);
            return [.. Handles, Nfs4Session, clientId];
        }
    }

    public Share Share { get; }
    public NfsServerOptions Options { get; }
    public byte[] Root { get; private set; } = [];
    public byte[] Directory { get; private set; } = [];
    public byte[] File { get; private set; } = [];
    public byte[] Symlink { get; private set; } = [];
    public byte[] Victim { get; private set; } = [];
    public byte[] EmptyDirectory { get; private set; } = [];

    /// <summary>Every handle made up front, in a fixed order (for rewriting a corpus onto a fresh environment).</summary>
    public IReadOnlyList<byte[]> Handles => [Root, Directory, File, Symlink, Victim, EmptyDirectory];

    public static NfsEnvironment Create()
    {
        var metadata = new MemoryMetadataStore(maxFiles: MaxFiles);
        var content = new MemoryContentStore(capacityBytes: ContentCapacity);
        var share = new Share(ExportPath, VirtualFileSystem.OpenAsync(ExportPath, metadata, content).AsTask().GetAwaiter().GetResult(), new ExportOptions { RootSquash = false });
        var options = new NfsServerOptions();
        var environment = new NfsEnvironment(share, new NfsService(new ShareTable(share), options, NullLogger<NfsService>.Instance),
            new MountService(new ShareTable(share), options, NullLogger<MountService>.Instance),
            new Nfs4Service(new ShareTable(share), options, NullLogger<Nfs4Service>.Instance));
        environment.Populate(metadata, content);
        environment.MakeNfs4Clients();
        return environment;
    }

    /// <summary>The 4.0 client and the 4.1 session the v4 seeds name, made through the service as a client would.</summary>
    private void MakeNfs4Clients()
    {
        var context = new RpcCallContext { Gids = [], AuthFlavor = (uint)DittoFs.Storage.AuthFlavor.Sys, Uid = 0, Gid = 0, Client = Client };
        NfsResop4 Only(uint minorVersion, NfsArgop4 operation)
        {
            var arguments = XdrCodec.Decode<Compound4Args>(XdrCodec.Encode(new Compound4Args { Tag = "setup"u8.ToArray(), Minorversion = minorVersion, Argarray = new[] { operation } }));
            var result = Nfs4.CompoundAsync(arguments, context).AsTask().GetAwaiter().GetResult();
            if (result.Status != Nfsstat4.Nfs4Ok)
            {
                throw new InvalidOperationException($"Could not set up the NFSv4 fuzzing clients: {operation.Argop} {result.Status}");
            }
            return XdrCodec.Decode<Compound4Res>(XdrCodec.Encode(result)).Resarray.ToArray()[0];
        }
        var set = Only(0, NfsArgop4.FromOpsetclientid(new Setclientid4Args
        {
            Client = new NfsClientId4 { Verifier = Nfs4Calls.Verifier(1), Id = "fuzz-4.0"u8.ToArray() },
            Callback = new CbClient4 { CbProgram = 0x40000000, CbLocation = new Netaddr4 { NaRNetid = "tcp"u8.ToArray(), NaRAddr = "127.0.0.1.3.4"u8.ToArray() } },
            CallbackIdent = 1,
        })).Opsetclientid.Resok4;
        Only(0, NfsArgop4.FromOpsetclientidConfirm(new SetclientidConfirm4Args { Clientid = set.Clientid, SetclientidConfirm = set.SetclientidConfirm }));
        Nfs4ClientId = set.Clientid;
        var exchange = Only(1, NfsArgop4.FromOpexchangeId(Nfs4Calls.ExchangeId("fuzz-4.1"))).OpexchangeId.EirResok4;
        var session = Only(1, NfsArgop4.FromOpcreateSession(Nfs4Calls.CreateSession(exchange.EirClientid, exchange.EirSequenceid, Nfs4Slots)));
        Nfs4Session = session.OpcreateSession.CsrResok4.CsrSessionid.Value.ToArray();
    }

    private void Populate(MemoryMetadataStore metadata, MemoryContentStore content)
    {
        var root = AuthContext.Root();
        FileRef Made(ValueTask<StoreResult<CreateResult>> created)
        {
            var result = created.AsTask().GetAwaiter().GetResult();
            if (!result.IsOk)
            {
                throw new InvalidOperationException($"Could not set up the fuzzing environment: {result.Status}");
            }
            return result.Value.File.Ref;
        }
        var directory = Made(metadata.MkdirAsync(root, Share.Root, "dir"u8.ToArray(), new SetAttributes { Mode = 0x1FF }));
        var file = Made(metadata.CreateAsync(root, Share.Root, "file"u8.ToArray(), CreateMode.Guarded, new SetAttributes { Mode = 0x1B6 }, 0));
        var symlink = Made(metadata.SymlinkAsync(root, Share.Root, "link"u8.ToArray(), "dir/../file"u8.ToArray(), SetAttributes.None));
        var victim = Made(metadata.CreateAsync(root, directory, "victim"u8.ToArray(), CreateMode.Guarded, new SetAttributes { Mode = 0x1B6 }, 0));
        var empty = Made(metadata.MkdirAsync(root, directory, "empty"u8.ToArray(), new SetAttributes { Mode = 0x1FF }));
        for (int i = 0; i < 20; i++)
        {
            Made(metadata.CreateAsync(root, directory, System.Text.Encoding.ASCII.GetBytes($"entry-{i:D2}"), CreateMode.Guarded, SetAttributes.None, 0));
        }

        var data = new byte[8192];
        new Random(1).NextBytes(data);
        var attributes = metadata.GetAttributesAsync(file).AsTask().GetAwaiter().GetResult().Value;
        content.WriteAsync(attributes.ContentId, 0, data).AsTask().GetAwaiter().GetResult();
        metadata.CommitWriteAsync(root, file, 0, (uint)data.Length).AsTask().GetAwaiter().GetResult();

        byte[] HandleOf(FileRef reference) => new FileHandle(Share.Id, reference).ToOpaque().ToArray();
        Root = Share.RootHandle.ToArray();
        Directory = HandleOf(directory);
        File = HandleOf(file);
        Symlink = HandleOf(symlink);
        Victim = HandleOf(victim);
        EmptyDirectory = HandleOf(empty);
    }

    public IXdrProgram<RpcCallContext>? Find(uint program, uint version) =>
        _programs.TryGetValue(Key(program, version), out var found) ? found : null;

    private static ulong Key(uint program, uint version) => ((ulong)program << 32) | version;

    public static readonly IPEndPoint Client = new(IPAddress.Loopback, 700);
}
