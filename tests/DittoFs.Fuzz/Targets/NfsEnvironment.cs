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

    private NfsEnvironment(Share share, NfsService nfs, MountService mount)
    {
        Share = share;
        Options = new NfsServerOptions();
        _programs[Key(NfsV3Program.Program, NfsV3Program.Version)] = new NfsV3Dispatcher<RpcCallContext>(nfs);
        _programs[Key(MountV3Program.Program, MountV3Program.Version)] = new MountV3Dispatcher<RpcCallContext>(mount);
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
            new MountService(new ShareTable(share), options, NullLogger<MountService>.Instance));
        environment.Populate(metadata, content);
        return environment;
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
