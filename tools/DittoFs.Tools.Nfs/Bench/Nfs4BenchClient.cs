using System.Buffers.Binary;
using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Urls;
using DittoFs.Xdr;
using Attr = DittoFs.Protocol.Nfs4ProtConstants;

namespace DittoFs.Tools.Nfs.Bench;

/// <summary>
/// The bench's calls over NFSv4.1 (RFC 8881), with the generated COMPOUND codecs: one client (EXCHANGE_ID), one
/// session per connection (CREATE_SESSION on each, which binds it), RECLAIM_COMPLETE, then every call a COMPOUND of
/// SEQUENCE, PUTFH and the operation. Files are OPENed (one open-owner; no delegations asked for, so no callback
/// channel is needed) and READ, WRITE and CLOSE name the open's stateid, which any of the client's sessions may use.
/// The URL's path is walked from the server's NFSv4 root (PUTROOTFH, LOOKUP ...).
/// </summary>
internal sealed class Nfs4BenchClient : BenchClient
{
    /// <summary>The NFSv4 port (RFC 8881 §2.9.1): NFSv4 does not use the portmapper.</summary>
    public const int DefaultPort = 2049;

    private static readonly byte[] OpenOwner = "ditto-nfs-bench"u8.ToArray();
    private static readonly uint[] SizeMask = [1u << Attr.Fattr4Size];
    private static readonly uint[] TypeMask = [1u << Attr.Fattr4Type];

    /// <summary>GETATTR of the size, built once: its arm is only read (when each COMPOUND is encoded), so every call shares it.</summary>
    private static readonly NfsArgop4 GetSize = NfsArgop4.FromOpgetattr(new XdrArm<Getattr4Args>(new Getattr4Args { AttrRequest = SizeMask }));

    /// <summary>
    /// What READDIR asks of each entry: what NFSv3's READDIRPLUS returns (type, mode, links, owner, group, size, space
    /// used, fsid, file id, times, handle), so listing costs the server the same work in both versions.
    /// </summary>
    private static readonly uint[] ListingMask =
    [
        1u << Attr.Fattr4Type | 1u << Attr.Fattr4Size | 1u << Attr.Fattr4Fsid | 1u << Attr.Fattr4Filehandle | 1u << Attr.Fattr4Fileid,
        1u << (Attr.Fattr4Mode - 32) | 1u << (Attr.Fattr4Numlinks - 32) | 1u << (Attr.Fattr4Owner - 32) | 1u << (Attr.Fattr4OwnerGroup - 32)
            | 1u << (Attr.Fattr4SpaceUsed - 32) | 1u << (Attr.Fattr4TimeAccess - 32) | 1u << (Attr.Fattr4TimeMetadata - 32) | 1u << (Attr.Fattr4TimeModify - 32),
    ];

    private readonly Nfs4Session[] _sessions;
    private readonly Clientid4 _clientId;
    private BenchFile _directory;
    private uint _next;

    private Nfs4BenchClient(Nfs4Session[] sessions, Clientid4 clientId, string directoryPath)
    {
        _sessions = sessions;
        _clientId = clientId;
        DirectoryPath = directoryPath;
    }

    public override BenchFile Directory => _directory;

    public override string DirectoryPath { get; }

    /// <summary>Connects <paramref name="connections"/> times, makes the client and its sessions, and finds the URL's directory.</summary>
    public static async Task<Nfs4BenchClient> ConnectAsync(NfsUrl url, SessionOptions options, int connections, CancellationToken cancellationToken)
    {
        var rpcOptions = NfsSession.RpcOptions(url, options);
        var transports = new List<RpcClient>();
        var sessions = new List<Nfs4Session>();
        try
        {
            for (int i = 0; i < connections; i++)
                transports.Add(await RpcClient.ConnectAsync(url.Host, url.ExplicitNfsPort ?? DefaultPort, rpcOptions, cancellationToken).ConfigureAwait(false));
            // One client per run: a fresh owner, so an earlier bench's state on the server is not this one's.
            byte[] owner = Encoding.UTF8.GetBytes($"ditto-nfs-bench/{options.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}");
            var (clientId, sequence) = await Nfs4Session.ExchangeIdAsync(transports[0], owner, cancellationToken).ConfigureAwait(false);
            foreach (var transport in transports)
                sessions.Add(await Nfs4Session.CreateAsync(transport, clientId, sequence++, cancellationToken).ConfigureAwait(false));
            var client = new Nfs4BenchClient([.. sessions], clientId, url.Path);
            // RFC 8881 §18.51.3: until RECLAIM_COMPLETE the server answers new OPENs with NFS4ERR_GRACE.
            await client.Session.CompoundAsync([NfsArgop4.FromOpreclaimComplete(new ReclaimComplete4Args { RcaOneFs = false })], "/", cancellationToken).ConfigureAwait(false);
            client._directory = await client.ResolveDirectoryAsync(url, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            foreach (var session in sessions)
                await session.DisposeAsync().ConfigureAwait(false);
            foreach (var transport in transports.Skip(sessions.Count))
                await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The worker's session, or the next in turn.</summary>
    private Nfs4Session Session => _sessions[Pick(ref _next, _sessions.Length)];

    private async Task<BenchFile> ResolveDirectoryAsync(NfsUrl url, CancellationToken cancellationToken)
    {
        NfsArgop4[] operations =
        [
            new NfsArgop4(NfsOpnum4.OpPutrootfh),
            .. url.Components.Select(component => NfsArgop4.FromOplookup(new Lookup4Args { Objname = Encoding.UTF8.GetBytes(component) })),
            new NfsArgop4(NfsOpnum4.OpGetfh),
            NfsArgop4.FromOpgetattr(new Getattr4Args { AttrRequest = TypeMask }),
        ];
        var reply = await Session.CompoundAsync(operations, url.Path, cancellationToken).ConfigureAwait(false);
        var attributes = Nfs4Session.Result(reply, NfsOpnum4.OpGetattr).Opgetattr.Resok4.ObjAttributes;
        if ((NfsFtype4)BinaryPrimitives.ReadUInt32BigEndian(AttributeValue(attributes, TypeMask, 4, url.Path)) != NfsFtype4.Nf4dir)
            throw new Nfs4Exception(Nfsstat4.Nfs4errNotdir, NfsOpnum4.OpLookup, url.Path);
        return new BenchFile(Nfs4Session.Result(reply, NfsOpnum4.OpGetfh).Opgetfh.Resok4.Object.Value);
    }

    public override async ValueTask<BenchFile> CreateFileAsync(BenchFile directory, string name, string path, CancellationToken cancellationToken)
    {
        // UNCHECKED4 with size 0 creates the file or truncates it; mode 0644 (RFC 8881 §18.16.3).
        var attributes = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(attributes.AsSpan(8), 0x1A4);
        var open = NfsArgop4.FromOpopen(new Open4Args
        {
            Seqid = 0, // ignored in 4.1 (RFC 8881 §18.16.3)
            ShareAccess = Attr.Open4ShareAccessBoth | Attr.Open4ShareAccessWantNoDeleg,
            ShareDeny = Attr.Open4ShareDenyNone,
            Owner = new StateOwner4 { Clientid = _clientId, Owner = OpenOwner },
            Openhow = new Openflag4
            {
                Opentype = Opentype4.Open4Create,
                How = new Createhow4 { Mode = Createmode4.Unchecked4, Createattrs = new Fattr4 { Attrmask = (uint[])[1u << Attr.Fattr4Size, 1u << (Attr.Fattr4Mode - 32)], AttrVals = attributes } },
            },
            Claim = new OpenClaim4 { Claim = OpenClaimType4.ClaimNull, File = Encoding.UTF8.GetBytes(name) },
        });
        var reply = await Session.CompoundAsync(directory.Handle, open, new NfsArgop4(NfsOpnum4.OpGetfh), null, path, cancellationToken).ConfigureAwait(false);
        var stateid = Nfs4Session.Result(reply, NfsOpnum4.OpOpen).Opopen.Resok4.Stateid;
        return new BenchFile(Nfs4Session.Result(reply, NfsOpnum4.OpGetfh).Opgetfh.Resok4.Object.Value, stateid);
    }

    public override async ValueTask CloseAsync(BenchFile file, string path, CancellationToken cancellationToken)
    {
        var close = NfsArgop4.FromOpclose(new Close4Args { Seqid = 0, OpenStateid = file.Open });
        await Session.CompoundAsync(file.Handle, close, null, null, path, cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask<WriteReply> WriteAsync(BenchFile file, long offset, ReadOnlyMemory<byte> data, bool fileSync, string path, CancellationToken cancellationToken)
    {
        var write = NfsArgop4.FromOpwrite(new Write4Args { Stateid = file.Open, Offset = (ulong)offset, Stable = fileSync ? StableHow4.FileSync4 : StableHow4.Unstable4, Data = data });
        var reply = await Session.CompoundAsync(file.Handle, write, null, null, path, cancellationToken).ConfigureAwait(false);
        var resok = Nfs4Session.Result(reply, NfsOpnum4.OpWrite).Opwrite.Resok4;
        return new WriteReply(resok.Count, BinaryPrimitives.ReadUInt64BigEndian(resok.Writeverf.Value.Span));
    }

    public override async ValueTask<WriteReply> CommitAsync(BenchFile file, string path, CancellationToken cancellationToken)
    {
        var commit = NfsArgop4.FromOpcommit(new Commit4Args { Offset = 0, Count = 0 });
        var reply = await Session.CompoundAsync(file.Handle, commit, null, null, path, cancellationToken).ConfigureAwait(false);
        return new WriteReply(0, BinaryPrimitives.ReadUInt64BigEndian(Nfs4Session.Result(reply, NfsOpnum4.OpCommit).Opcommit.Resok4.Writeverf.Value.Span));
    }

    public override async ValueTask<ReadOnlyMemory<byte>> ReadAsync(BenchFile file, long offset, int count, string path, CancellationToken cancellationToken)
    {
        var read = NfsArgop4.FromOpread(new Read4Args { Stateid = file.Open, Offset = (ulong)offset, Count = (uint)count });
        var reply = await Session.CompoundAsync(file.Handle, read, null, null, path, cancellationToken).ConfigureAwait(false);
        return Nfs4Session.Result(reply, NfsOpnum4.OpRead).Opread.Resok4.Data;
    }

    public override async ValueTask<ulong> GetSizeAsync(BenchFile file, string path, CancellationToken cancellationToken)
    {
        var reply = await Session.CompoundAsync(file.Handle, GetSize, null, null, path, cancellationToken).ConfigureAwait(false);
        return Size(reply, path);
    }

    public override async ValueTask<ulong> LookupSizeAsync(BenchFile directory, string name, string path, CancellationToken cancellationToken)
    {
        var lookup = NfsArgop4.FromOplookup(new Lookup4Args { Objname = Encoding.UTF8.GetBytes(name) });
        var reply = await Session.CompoundAsync(directory.Handle, lookup, GetSize, null, path, cancellationToken).ConfigureAwait(false);
        return Size(reply, path);
    }

    public override async ValueTask<BenchFile> MakeDirectoryAsync(BenchFile directory, string name, string path, CancellationToken cancellationToken)
    {
        var mode = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(mode, 0x1ED);
        var create = NfsArgop4.FromOpcreate(new Create4Args
        {
            Objtype = new Createtype4 { Type = NfsFtype4.Nf4dir },
            Objname = Encoding.UTF8.GetBytes(name),
            Createattrs = new Fattr4 { Attrmask = (uint[])[0, 1u << (Attr.Fattr4Mode - 32)], AttrVals = mode },
        });
        // NFS4ERR_EXIST here means an interrupted bench left the directory: remove it and its files.
        var reply = await Session.CompoundAsync(directory.Handle, create, new NfsArgop4(NfsOpnum4.OpGetfh), null, path, cancellationToken).ConfigureAwait(false);
        return new BenchFile(Nfs4Session.Result(reply, NfsOpnum4.OpGetfh).Opgetfh.Resok4.Object.Value);
    }

    public override async ValueTask<int> CountEntriesAsync(BenchFile directory, string path, CancellationToken cancellationToken)
    {
        int entries = 0;
        ulong cookie = 0;
        Verifier4 verifier = (InlineOpaque<InlineBytes8>)new byte[8];
        for (int page = 0; page < 1_000_000; page++)
        {
            var readdir = NfsArgop4.FromOpreaddir(new Readdir4Args
            {
                Cookie = cookie,
                Cookieverf = verifier,
                Dircount = DirectoryLister.DirCount,
                Maxcount = DirectoryLister.MaxCount,
                AttrRequest = ListingMask,
            });
            var reply = await Session.CompoundAsync(directory.Handle, readdir, null, null, path, cancellationToken).ConfigureAwait(false);
            var resok = Nfs4Session.Result(reply, NfsOpnum4.OpReaddir).Opreaddir.Resok4;
            foreach (var entry in resok.Reply.Entries)
            {
                entries++;
                cookie = entry.Cookie;
            }
            if (resok.Reply.Eof)
                return entries;
            if (resok.Reply.Entries.Count == 0)
                throw new ProtocolViolationException($"READDIR of {path} returned an empty page that is not the end");
            verifier = resok.Cookieverf;
        }
        throw new ProtocolViolationException($"READDIR of {path} never reached the end");
    }

    public override async ValueTask RemoveAsync(BenchFile directory, string name, bool isDirectory, string path, CancellationToken cancellationToken)
    {
        var remove = NfsArgop4.FromOpremove(new Remove4Args { Target = Encoding.UTF8.GetBytes(name) });
        await Session.CompoundAsync(directory.Handle, remove, null, null, path, cancellationToken).ConfigureAwait(false);
    }

    private static ulong Size(in Compound4Res reply, string path) =>
        BinaryPrimitives.ReadUInt64BigEndian(AttributeValue(Nfs4Session.Result(reply, NfsOpnum4.OpGetattr).Opgetattr.Resok4.ObjAttributes, SizeMask, 8, path));

    /// <summary>The value of the one attribute asked for; the server must return exactly that attribute.</summary>
    private static ReadOnlySpan<byte> AttributeValue(in Fattr4 attributes, uint[] asked, int length, string path)
    {
        int word = 0;
        foreach (uint bits in attributes.Attrmask)
        {
            if (bits != (word < asked.Length ? asked[word] : 0))
                throw new ProtocolViolationException($"GETATTR of {path} returned other attributes than asked for");
            word++;
        }
        var values = attributes.AttrVals.Value.Span;
        if (word < asked.Length || values.Length != length)
            throw new ProtocolViolationException($"GETATTR of {path} did not return the attribute asked for");
        return values;
    }

    /// <summary>DESTROY_SESSION of each session and DESTROY_CLIENTID (best effort: the lease would end them), then the connections closed.</summary>
    public override async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            foreach (var session in _sessions)
                await session.DestroyAsync(timeout.Token).ConfigureAwait(false);
            await Nfs4Session.DestroyClientAsync(_sessions[0].Transport, _clientId, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is Nfs4Exception or ProtocolViolationException or RpcException or XdrDecodeException or IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // The server drops the client when its lease ends.
        }
        foreach (var session in _sessions)
            await session.DisposeAsync().ConfigureAwait(false);
    }
}
