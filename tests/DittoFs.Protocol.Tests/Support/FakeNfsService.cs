namespace DittoFs.Protocol.Tests.Support;

/// <summary>
/// An NFSv3 service with one directory holding one file. GETATTR, LOOKUP and WRITE do real work (WRITE
/// completes asynchronously, to drive the dispatcher's awaiting path); the other procedures answer
/// NFS3ERR_NOTSUPP. Remembers the last method called.
/// </summary>
public sealed class FakeNfsService : INfsV3<object?>
{
    public static readonly byte[] DirectoryHandle = [0xD1, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01];
    public static readonly byte[] FileHandle = [0xF1, 0x1E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02];
    public static readonly byte[] WriteVerifier = [1, 2, 3, 4, 5, 6, 7, 8];
    public const string FileName = "present.txt";

    public static readonly Fattr3 FileAttributes = new()
    {
        Type = Ftype3.Nf3reg,
        Mode = 0x1A4,
        Nlink = 1,
        Uid = 1000,
        Gid = 1000,
        Size = 12345,
        Used = 16384,
        Fsid = 7,
        Fileid = 2,
        Atime = new Nfstime3 { Seconds = 1_700_000_000, Nseconds = 1 },
        Mtime = new Nfstime3 { Seconds = 1_700_000_001, Nseconds = 2 },
        Ctime = new Nfstime3 { Seconds = 1_700_000_002, Nseconds = 3 },
    };

    public static readonly Fattr3 DirectoryAttributes = FileAttributes with { Type = Ftype3.Nf3dir, Mode = 0x1ED, Nlink = 2, Size = 4096, Fileid = 1 };

    public string? LastCall { get; private set; }
    public long NullCalls { get; private set; }

    /// <summary>The data of the last WRITE, as the dispatcher handed it over (a slice of the call's bytes).</summary>
    public ReadOnlyMemory<byte> LastWrittenData { get; private set; }

    /// <summary>When set, WRITE answers only once the test completes it, so the test can see the call pending
    /// (Task.Yield alone races: a pool thread may finish the call before the caller looks).</summary>
    public TaskCompletionSource? WriteGate { get; set; }

    public ValueTask NullAsync(object? context)
    {
        LastCall = nameof(NullAsync);
        NullCalls++;
        return default;
    }

    public ValueTask<Getattr3Res> GetattrAsync(Getattr3Args arguments, object? context)
    {
        LastCall = nameof(GetattrAsync);
        if (!TryAttributes(arguments.Object, out var attributes))
            return new(new Getattr3Res { Status = Nfsstat3.Nfs3errStale });
        return new(new Getattr3Res { Status = Nfsstat3.Nfs3Ok, Resok = new Getattr3Resok { ObjAttributes = attributes } });
    }

    public ValueTask<Lookup3Res> LookupAsync(Lookup3Args arguments, object? context)
    {
        LastCall = nameof(LookupAsync);
        var directory = new PostOpAttr { AttributesFollow = true, Attributes = DirectoryAttributes };
        if (!arguments.What.Dir.Data.Span.SequenceEqual(DirectoryHandle))
            return new(new Lookup3Res { Status = Nfsstat3.Nfs3errStale });
        if (!arguments.What.Name.Span.SequenceEqual(System.Text.Encoding.ASCII.GetBytes(FileName)))
            return new(new Lookup3Res { Status = Nfsstat3.Nfs3errNoent, Resfail = new Lookup3Resfail { DirAttributes = directory } });
        return new(new Lookup3Res
        {
            Status = Nfsstat3.Nfs3Ok,
            Resok = new Lookup3Resok
            {
                Object = new NfsFh3 { Data = FileHandle },
                ObjAttributes = new PostOpAttr { AttributesFollow = true, Attributes = FileAttributes },
                DirAttributes = directory,
            },
        });
    }

    public async ValueTask<Write3Res> WriteAsync(Write3Args arguments, object? context)
    {
        LastCall = nameof(WriteAsync);
        LastWrittenData = arguments.Data;
        if (WriteGate is { } gate)
            await gate.Task;
        else
            await Task.Yield();
        if (!arguments.File.Data.Span.SequenceEqual(FileHandle))
            return new Write3Res { Status = Nfsstat3.Nfs3errStale };
        return new Write3Res
        {
            Status = Nfsstat3.Nfs3Ok,
            Resok = new Write3Resok { Count = (uint)arguments.Data.Length, Committed = StableHow.FileSync, Verf = WriteVerifier },
        };
    }

    private static bool TryAttributes(NfsFh3 handle, out Fattr3 attributes)
    {
        attributes = handle.Data.Span.SequenceEqual(FileHandle) ? FileAttributes
            : handle.Data.Span.SequenceEqual(DirectoryHandle) ? DirectoryAttributes
            : default;
        return attributes.Type != 0;
    }

    // Not implemented by this double: a fixed NFS3ERR_NOTSUPP, whose resfail arm is all "no attributes".
    public ValueTask<Setattr3Res> SetattrAsync(Setattr3Args arguments, object? context) => Answer(nameof(SetattrAsync), new Setattr3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Access3Res> AccessAsync(Access3Args arguments, object? context) => Answer(nameof(AccessAsync), new Access3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Readlink3Res> ReadlinkAsync(Readlink3Args arguments, object? context) => Answer(nameof(ReadlinkAsync), new Readlink3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Read3Res> ReadAsync(Read3Args arguments, object? context) => Answer(nameof(ReadAsync), new Read3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Create3Res> CreateAsync(Create3Args arguments, object? context) => Answer(nameof(CreateAsync), new Create3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Mkdir3Res> MkdirAsync(Mkdir3Args arguments, object? context) => Answer(nameof(MkdirAsync), new Mkdir3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Symlink3Res> SymlinkAsync(Symlink3Args arguments, object? context) => Answer(nameof(SymlinkAsync), new Symlink3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Mknod3Res> MknodAsync(Mknod3Args arguments, object? context) => Answer(nameof(MknodAsync), new Mknod3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Remove3Res> RemoveAsync(Remove3Args arguments, object? context) => Answer(nameof(RemoveAsync), new Remove3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Rmdir3Res> RmdirAsync(Rmdir3Args arguments, object? context) => Answer(nameof(RmdirAsync), new Rmdir3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Rename3Res> RenameAsync(Rename3Args arguments, object? context) => Answer(nameof(RenameAsync), new Rename3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Link3Res> LinkAsync(Link3Args arguments, object? context) => Answer(nameof(LinkAsync), new Link3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Readdir3Res> ReaddirAsync(Readdir3Args arguments, object? context) => Answer(nameof(ReaddirAsync), new Readdir3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Readdirplus3Res> ReaddirplusAsync(Readdirplus3Args arguments, object? context) => Answer(nameof(ReaddirplusAsync), new Readdirplus3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Fsstat3Res> FsstatAsync(Fsstat3Args arguments, object? context) => Answer(nameof(FsstatAsync), new Fsstat3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Fsinfo3Res> FsinfoAsync(Fsinfo3Args arguments, object? context) => Answer(nameof(FsinfoAsync), new Fsinfo3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Pathconf3Res> PathconfAsync(Pathconf3Args arguments, object? context) => Answer(nameof(PathconfAsync), new Pathconf3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Commit3Res> CommitAsync(Commit3Args arguments, object? context) => Answer(nameof(CommitAsync), new Commit3Res { Status = Nfsstat3.Nfs3errNotsupp });

    private ValueTask<T> Answer<T>(string method, T result)
    {
        LastCall = method;
        return new(result);
    }
}
