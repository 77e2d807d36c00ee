using DittoFs.Protocol;

namespace DittoFs.Benchmarks;

/// <summary>
/// An NFSv3 service that does no work: NULL returns, GETATTR returns fixed attributes, everything else
/// answers NFS3ERR_NOTSUPP. What is measured is the dispatcher around it.
/// </summary>
internal sealed class TrivialNfsService : INfsV3<object?>
{
    private static readonly Getattr3Res Attributes = WireMessages.GetattrResult();

    public ValueTask NullAsync(object? context) => default;
    public ValueTask<Getattr3Res> GetattrAsync(Getattr3Args arguments, object? context) => new(Attributes);

    public ValueTask<Setattr3Res> SetattrAsync(Setattr3Args arguments, object? context) => new(new Setattr3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Lookup3Res> LookupAsync(Lookup3Args arguments, object? context) => new(new Lookup3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Access3Res> AccessAsync(Access3Args arguments, object? context) => new(new Access3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Readlink3Res> ReadlinkAsync(Readlink3Args arguments, object? context) => new(new Readlink3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Read3Res> ReadAsync(Read3Args arguments, object? context) => new(new Read3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Write3Res> WriteAsync(Write3Args arguments, object? context) => new(new Write3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Create3Res> CreateAsync(Create3Args arguments, object? context) => new(new Create3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Mkdir3Res> MkdirAsync(Mkdir3Args arguments, object? context) => new(new Mkdir3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Symlink3Res> SymlinkAsync(Symlink3Args arguments, object? context) => new(new Symlink3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Mknod3Res> MknodAsync(Mknod3Args arguments, object? context) => new(new Mknod3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Remove3Res> RemoveAsync(Remove3Args arguments, object? context) => new(new Remove3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Rmdir3Res> RmdirAsync(Rmdir3Args arguments, object? context) => new(new Rmdir3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Rename3Res> RenameAsync(Rename3Args arguments, object? context) => new(new Rename3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Link3Res> LinkAsync(Link3Args arguments, object? context) => new(new Link3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Readdir3Res> ReaddirAsync(Readdir3Args arguments, object? context) => new(new Readdir3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Readdirplus3Res> ReaddirplusAsync(Readdirplus3Args arguments, object? context) => new(new Readdirplus3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Fsstat3Res> FsstatAsync(Fsstat3Args arguments, object? context) => new(new Fsstat3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Fsinfo3Res> FsinfoAsync(Fsinfo3Args arguments, object? context) => new(new Fsinfo3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Pathconf3Res> PathconfAsync(Pathconf3Args arguments, object? context) => new(new Pathconf3Res { Status = Nfsstat3.Nfs3errNotsupp });
    public ValueTask<Commit3Res> CommitAsync(Commit3Args arguments, object? context) => new(new Commit3Res { Status = Nfsstat3.Nfs3errNotsupp });
}
