using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;

namespace DittoFs.EndToEnd;

/// <summary>
/// One RPC connection to a dittofs process with the export mounted: the generated NFSv3 client and the root
/// handle, plus the few call shapes the reliability tests repeat. Calls return the protocol's results, so tests
/// see exact statuses; a lost connection throws as <see cref="RpcClient"/> does.
/// </summary>
internal sealed class NfsSession : IAsyncDisposable
{
    private NfsSession(RpcClient rpc, NfsFh3 root)
    {
        Rpc = rpc;
        Nfs = new NfsV3Client(rpc);
        Root = root;
    }

    public RpcClient Rpc { get; }
    public NfsV3Client Nfs { get; }
    public NfsFh3 Root { get; }

    /// <summary>Connects to <paramref name="host"/> (an address: 127.0.0.1, ::1) and mounts <paramref name="export"/>.</summary>
    public static async Task<NfsSession> MountAsync(int port, TimeSpan? callTimeout = null, string export = "/export", string host = "127.0.0.1")
    {
        var options = new RpcClientOptions { Credential = RpcCredential.AuthSys(0, 0, machineName: "reliability") };
        if (callTimeout is { } timeout)
            options.CallTimeout = timeout;
        var rpc = await RpcClient.ConnectAsync(host, port, options);
        try
        {
            var mounted = await new MountV3Client(rpc).MntAsync(Encoding.UTF8.GetBytes(export));
            if (mounted.FhsStatus != Mountstat3.Mnt3Ok)
                throw new InvalidOperationException($"MNT {export}: {mounted.FhsStatus}");
            return new NfsSession(rpc, new NfsFh3 { Data = mounted.Mountinfo.Fhandle.ToArray() });
        }
        catch
        {
            await rpc.DisposeAsync();
            throw;
        }
    }

    public static byte[] Name(string name) => Encoding.UTF8.GetBytes(name);

    public static NfsFh3 Copy(NfsFh3 handle) => new() { Data = handle.Data.ToArray() };

    public ValueTask<Lookup3Res> LookupAsync(NfsFh3 directory, string name, CancellationToken cancellationToken = default) =>
        Nfs.LookupAsync(new Lookup3Args { What = new Diropargs3 { Dir = directory, Name = Name(name) } }, cancellationToken);

    public ValueTask<Create3Res> CreateAsync(NfsFh3 directory, string name, CancellationToken cancellationToken = default) =>
        Nfs.CreateAsync(new Create3Args
        {
            Where = new Diropargs3 { Dir = directory, Name = Name(name) },
            How = new Createhow3 { Mode = Createmode3.Guarded, ObjAttributes = new Sattr3 { Mode = new SetMode3 { SetIt = true, Mode = 0x1A4 /* 0644 */ } } },
        }, cancellationToken);

    public ValueTask<Mkdir3Res> MkdirAsync(NfsFh3 directory, string name, CancellationToken cancellationToken = default) =>
        Nfs.MkdirAsync(new Mkdir3Args
        {
            Where = new Diropargs3 { Dir = directory, Name = Name(name) },
            Attributes = new Sattr3 { Mode = new SetMode3 { SetIt = true, Mode = 0x1ED /* 0755 */ } },
        }, cancellationToken);

    public ValueTask<Write3Res> WriteAsync(NfsFh3 file, ulong offset, ReadOnlyMemory<byte> data, StableHow stable, CancellationToken cancellationToken = default) =>
        Nfs.WriteAsync(new Write3Args { File = file, Offset = offset, Count = (uint)data.Length, Stable = stable, Data = data }, cancellationToken);

    public ValueTask<Commit3Res> CommitAsync(NfsFh3 file, CancellationToken cancellationToken = default) =>
        Nfs.CommitAsync(new Commit3Args { File = file, Offset = 0, Count = 0 }, cancellationToken);

    public ValueTask<Read3Res> ReadAsync(NfsFh3 file, ulong offset, uint count, CancellationToken cancellationToken = default) =>
        Nfs.ReadAsync(new Read3Args { File = file, Offset = offset, Count = count }, cancellationToken);

    public ValueTask<Rename3Res> RenameAsync(NfsFh3 fromDirectory, string from, NfsFh3 toDirectory, string to, CancellationToken cancellationToken = default) =>
        Nfs.RenameAsync(new Rename3Args
        {
            From = new Diropargs3 { Dir = fromDirectory, Name = Name(from) },
            To = new Diropargs3 { Dir = toDirectory, Name = Name(to) },
        }, cancellationToken);

    public ValueTask<Remove3Res> RemoveAsync(NfsFh3 directory, string name, CancellationToken cancellationToken = default) =>
        Nfs.RemoveAsync(new Remove3Args { Object = new Diropargs3 { Dir = directory, Name = Name(name) } }, cancellationToken);

    public ValueTask<Rmdir3Res> RmdirAsync(NfsFh3 directory, string name, CancellationToken cancellationToken = default) =>
        Nfs.RmdirAsync(new Rmdir3Args { Object = new Diropargs3 { Dir = directory, Name = Name(name) } }, cancellationToken);

    /// <summary>The whole file, read in 64 KiB calls up to EOF.</summary>
    public async Task<byte[]> ReadAllAsync(NfsFh3 file, CancellationToken cancellationToken = default)
    {
        var content = new MemoryStream();
        while (true)
        {
            var read = await ReadAsync(file, (ulong)content.Length, 64 * 1024, cancellationToken);
            if (read.Status != Nfsstat3.Nfs3Ok)
                throw new IOException($"READ at {content.Length}: {read.Status}");
            content.Write(read.Resok.Data.Span);
            if (read.Resok.Eof || read.Resok.Count == 0)
                return content.ToArray();
        }
    }

    /// <summary>Every entry of a directory but "." and "..", by READDIRPLUS in pages: name, file id, attributes and handle.</summary>
    public async Task<List<(string Name, ulong FileId, Fattr3 Attributes, NfsFh3 Handle)>> ListAsync(NfsFh3 directory, CancellationToken cancellationToken = default)
    {
        var entries = new List<(string, ulong, Fattr3, NfsFh3)>();
        ulong cookie = 0;
        InlineOpaque<InlineBytes8> verifier = new byte[8];
        while (true)
        {
            var page = await Nfs.ReaddirplusAsync(new Readdirplus3Args { Dir = directory, Cookie = cookie, Cookieverf = verifier, Dircount = 4096, Maxcount = 32 * 1024 }, cancellationToken);
            if (page.Status != Nfsstat3.Nfs3Ok)
                throw new IOException($"READDIRPLUS after cookie {cookie}: {page.Status}");
            foreach (var entry in page.Resok.Reply.Entries)
            {
                string name = Encoding.UTF8.GetString(entry.Name.Span);
                cookie = entry.Cookie;
                if (name is not ("." or ".."))
                    entries.Add((name, entry.Fileid, entry.NameAttributes.Attributes, Copy(entry.NameHandle.Handle)));
            }
            verifier = page.Resok.Cookieverf.ToArray();
            if (page.Resok.Reply.Eof)
                return entries;
        }
    }

    public ValueTask DisposeAsync() => Rpc.DisposeAsync();
}
