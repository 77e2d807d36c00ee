using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;
using DittoFs.Storage.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using DittoFs.Vfs;

namespace DittoFs.Nfs.Tests.Support;

/// <summary>
/// One share "/export" over fresh in-memory stores, with the NFS and MOUNT services, and shorthands for the calls
/// tests make to set things up. The root is 0777 and root is not squashed unless a test says otherwise, so any
/// caller can create files. Handles returned by the shorthands are copies, safe to keep.
/// </summary>
internal sealed class TestServer
{
    public const string ExportPath = "/export";

    private TestServer(IMetadataStore metadata, CountingMetadataStore metadataCalls, RecordingContentStore content, Share share, ShareTable shares, NfsServerOptions options)
    {
        Metadata = metadata;
        MetadataCalls = metadataCalls;
        Content = content;
        Share = share;
        Shares = shares;
        Options = options;
        Nfs = new NfsService(shares, options, NullLogger<NfsService>.Instance);
        Mount = new MountService(shares, options, NullLogger<MountService>.Instance);
    }

    public IMetadataStore Metadata { get; }

    /// <summary>How often each <see cref="IMetadataStore"/> method was called.</summary>
    public CountingMetadataStore MetadataCalls { get; }
    public RecordingContentStore Content { get; }
    public Share Share { get; }
    public ShareTable Shares { get; }
    public NfsServerOptions Options { get; }
    public NfsService Nfs { get; }
    public MountService Mount { get; }

    public NfsFh3 Root => new() { Data = Share.RootHandle };

    public static ExportOptions OpenExport => new() { RootSquash = false };

    /// <param name="releaser">Deletes released content in the background, as the server does; none: REMOVE deletes before answering.</param>
    /// <param name="contentCapacity">Bytes the content store holds before writes fail with NoSpc.</param>
    public static async Task<TestServer> StartAsync(ExportOptions? export = null, NfsServerOptions? options = null, uint rootMode = 0x1FF,
        ContentReleaser? releaser = null, ulong contentCapacity = 1UL << 30, DittoFs.Vfs.Locks.ILockTable? locks = null)
    {
        var (metadata, calls) = CountingMetadataStore.Wrap(new MemoryMetadataStore());
        var content = new RecordingContentStore(contentCapacity);
        var share = new Share(ExportPath, await VirtualFileSystem.OpenAsync(ExportPath, metadata, content, releaser, rootMode: rootMode, locks: locks), export ?? OpenExport);
        var serverOptions = options ?? new NfsServerOptions();
        return new TestServer(metadata, calls, content, share, new ShareTable(share), serverOptions);
    }

    public static NfsFh3 Copy(NfsFh3 handle) => new() { Data = handle.Data.ToArray() };

    public static Diropargs3 Where(NfsFh3 directory, string name) => new() { Dir = directory, Name = Encoding.UTF8.GetBytes(name) };

    public async Task<NfsFh3> CreateFileAsync(NfsFh3 directory, string name, RpcCallContext? caller = null, Sattr3 attributes = default)
    {
        var result = await Nfs.CreateAsync(new Create3Args
        {
            Where = Where(directory, name),
            How = new Createhow3 { Mode = Createmode3.Unchecked, ObjAttributes = attributes },
        }, caller ?? Callers.Root());
        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), $"CREATE {name}");
        return Copy(result.Resok.Obj.Handle);
    }

    public async Task<NfsFh3> MkdirAsync(NfsFh3 directory, string name, RpcCallContext? caller = null, uint mode = 0x1FF)
    {
        var result = await Nfs.MkdirAsync(new Mkdir3Args { Where = Where(directory, name), Attributes = Sattr.Mode(mode) }, caller ?? Callers.Root());
        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), $"MKDIR {name}");
        return Copy(result.Resok.Obj.Handle);
    }

    public async Task<Write3Resok> WriteAsync(NfsFh3 file, ulong offset, byte[] data, StableHow stable = StableHow.Unstable, RpcCallContext? caller = null)
    {
        var result = await Nfs.WriteAsync(new Write3Args { File = file, Offset = offset, Count = (uint)data.Length, Stable = stable, Data = data }, caller ?? Callers.Root());
        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), "WRITE");
        return result.Resok;
    }

    public async Task<byte[]> ReadAllAsync(NfsFh3 file, RpcCallContext? caller = null)
    {
        var result = await Nfs.ReadAsync(new Read3Args { File = file, Offset = 0, Count = 1 << 20 }, caller ?? Callers.Root());
        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), "READ");
        return result.Resok.Data.ToArray();
    }

    public async Task<Fattr3> GetattrAsync(NfsFh3 handle, RpcCallContext? caller = null)
    {
        var result = await Nfs.GetattrAsync(new Getattr3Args { Object = handle }, caller ?? Callers.Root());
        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), "GETATTR");
        return result.Resok.ObjAttributes;
    }

    public async Task<Lookup3Res> LookupAsync(NfsFh3 directory, string name, RpcCallContext? caller = null) =>
        await Nfs.LookupAsync(new Lookup3Args { What = Where(directory, name) }, caller ?? Callers.Root());
}
