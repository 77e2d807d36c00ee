using System.Buffers.Binary;
using System.Text;
using DittoFs.Protocol;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Xdr;

namespace DittoFs.Tools.Nfs.Bench;

/// <summary>The bench's calls over NFSv3 (RFC 1813): the session's connection, and more of them with <c>--connections</c>.</summary>
internal sealed class Nfs3BenchClient : BenchClient
{
    private readonly NfsSession _session;
    private readonly NfsV3Client[] _connections;
    private readonly NfsObject _directory;
    private uint _next;

    private Nfs3BenchClient(NfsSession session, NfsV3Client[] connections, NfsObject directory)
    {
        _session = session;
        _connections = connections;
        _directory = directory;
        Directory = File(directory.Handle);
    }

    /// <summary>Mounts the export on the first connection, opens the others, and finds the URL's directory.</summary>
    public static async Task<Nfs3BenchClient> ConnectAsync(Func<Task<NfsSession>> open, string directoryPath, int connections, CancellationToken cancellationToken)
    {
        var session = await open().ConfigureAwait(false);
        try
        {
            var directory = await session.ResolveAsync(directoryPath, cancellationToken).ConfigureAwait(false);
            if (!directory.IsDirectory)
                throw new NfsException(Nfsstat3.Nfs3errNotdir, "LOOKUP", directory.Path);
            var clients = new NfsV3Client[connections];
            clients[0] = session.Nfs;
            for (int i = 1; i < connections; i++)
                clients[i] = await session.ConnectAgainAsync(cancellationToken).ConfigureAwait(false);
            return new Nfs3BenchClient(session, clients, directory);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override BenchFile Directory { get; }

    public override string DirectoryPath => _directory.Path;

    /// <summary>The worker's connection, or the next in turn.</summary>
    private NfsV3Client Nfs => _connections[Pick(ref _next, _connections.Length)];

    private static NfsFh3 Handle(BenchFile file) => new() { Data = new InlineOpaque<InlineBytes64>(file.Handle.Span) };

    private static BenchFile File(NfsFh3 handle) => new(handle.Data.ToArray());

    private static Diropargs3 Where(BenchFile directory, string name) => new() { Dir = Handle(directory), Name = Encoding.UTF8.GetBytes(name) };

    public override async ValueTask<BenchFile> CreateFileAsync(BenchFile directory, string name, string path, CancellationToken cancellationToken)
    {
        var result = await Nfs.CreateAsync(new Create3Args
        {
            Where = Where(directory, name),
            How = new Createhow3
            {
                Mode = Createmode3.Unchecked,
                ObjAttributes = new Sattr3 { Mode = new SetMode3 { SetIt = true, Mode = 0x1A4 }, Size = new SetSize3 { SetIt = true, Size = 0 } },
            },
        }, cancellationToken).ConfigureAwait(false);
        NfsException.ThrowIfFailed(result.Status, "CREATE", path);
        if (result.Resok.Obj.HandleFollows)
            return File(result.Resok.Obj.Handle);
        return File((await _session.LookupAsync(Handle(directory), name, path, cancellationToken).ConfigureAwait(false)).Handle);
    }

    public override ValueTask CloseAsync(BenchFile file, string path, CancellationToken cancellationToken) => default;

    public override async ValueTask<WriteReply> WriteAsync(BenchFile file, long offset, ReadOnlyMemory<byte> data, bool fileSync, string path, CancellationToken cancellationToken)
    {
        var reply = await Nfs.WriteAsync(new Write3Args
        {
            File = Handle(file),
            Offset = (ulong)offset,
            Count = (uint)data.Length,
            Stable = fileSync ? StableHow.FileSync : StableHow.Unstable,
            Data = data,
        }, cancellationToken).ConfigureAwait(false);
        NfsException.ThrowIfFailed(reply.Status, "WRITE", path);
        return new WriteReply(reply.Resok.Count, BinaryPrimitives.ReadUInt64BigEndian(reply.Resok.Verf.Span));
    }

    public override async ValueTask<WriteReply> CommitAsync(BenchFile file, string path, CancellationToken cancellationToken)
    {
        var reply = await Nfs.CommitAsync(new Commit3Args { File = Handle(file), Offset = 0, Count = 0 }, cancellationToken).ConfigureAwait(false);
        NfsException.ThrowIfFailed(reply.Status, "COMMIT", path);
        return new WriteReply(0, BinaryPrimitives.ReadUInt64BigEndian(reply.Resok.Verf.Span));
    }

    public override async ValueTask<ReadOnlyMemory<byte>> ReadAsync(BenchFile file, long offset, int count, string path, CancellationToken cancellationToken)
    {
        var reply = await Nfs.ReadAsync(new Read3Args { File = Handle(file), Offset = (ulong)offset, Count = (uint)count }, cancellationToken).ConfigureAwait(false);
        NfsException.ThrowIfFailed(reply.Status, "READ", path);
        return reply.Resok.Data;
    }

    public override async ValueTask<ulong> GetSizeAsync(BenchFile file, string path, CancellationToken cancellationToken)
    {
        var reply = await Nfs.GetattrAsync(new Getattr3Args { Object = Handle(file) }, cancellationToken).ConfigureAwait(false);
        NfsException.ThrowIfFailed(reply.Status, "GETATTR", path);
        return reply.Resok.ObjAttributes.Size;
    }

    public override async ValueTask<ulong> LookupSizeAsync(BenchFile directory, string name, string path, CancellationToken cancellationToken)
    {
        var result = await Nfs.LookupAsync(new Lookup3Args { What = Where(directory, name) }, cancellationToken).ConfigureAwait(false);
        NfsException.ThrowIfFailed(result.Status, "LOOKUP", path);
        if (result.Resok.ObjAttributes.AttributesFollow)
            return result.Resok.ObjAttributes.Attributes.Size;
        return await GetSizeAsync(File(result.Resok.Object), path, cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask<BenchFile> MakeDirectoryAsync(BenchFile directory, string name, string path, CancellationToken cancellationToken)
    {
        var result = await Nfs.MkdirAsync(new Mkdir3Args
        {
            Where = Where(directory, name),
            Attributes = new Sattr3 { Mode = new SetMode3 { SetIt = true, Mode = 0x1ED } },
        }, cancellationToken).ConfigureAwait(false);
        // NFS3ERR_EXIST here means an interrupted bench left the directory: 'ditto-nfs rm -r' clears it.
        NfsException.ThrowIfFailed(result.Status, "MKDIR", path);
        if (result.Resok.Obj.HandleFollows)
            return File(result.Resok.Obj.Handle);
        return File((await _session.LookupAsync(Handle(directory), name, path, cancellationToken).ConfigureAwait(false)).Handle);
    }

    public override async ValueTask<int> CountEntriesAsync(BenchFile directory, string path, CancellationToken cancellationToken)
    {
        var entries = await DirectoryLister.ListAsync(_session, Handle(directory), path, cancellationToken).ConfigureAwait(false);
        return entries.Count(entry => entry.Name is not ("." or ".."));
    }

    public override async ValueTask RemoveAsync(BenchFile directory, string name, bool isDirectory, string path, CancellationToken cancellationToken)
    {
        if (isDirectory)
        {
            var rmdir = await Nfs.RmdirAsync(new Rmdir3Args { Object = Where(directory, name) }, cancellationToken).ConfigureAwait(false);
            NfsException.ThrowIfFailed(rmdir.Status, "RMDIR", path);
            return;
        }
        var remove = await Nfs.RemoveAsync(new Remove3Args { Object = Where(directory, name) }, cancellationToken).ConfigureAwait(false);
        NfsException.ThrowIfFailed(remove.Status, "REMOVE", path);
    }

    public override ValueTask DisposeAsync() => _session.DisposeAsync();
}
