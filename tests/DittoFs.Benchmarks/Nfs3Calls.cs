using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.Benchmarks;

/// <summary>
/// The MOUNT and NFSv3 calls the load modes of this program make (smallfiles, curves), each checking its status and
/// throwing with the procedure and name on failure; and a way to spread indexed work over several connections.
/// </summary>
internal static class Nfs3Calls
{
    public static RpcClientOptions ClientOptions(string machine) => new()
    {
        Credential = RpcCredential.AuthSys(0, 0, machineName: machine),
        CallTimeout = TimeSpan.FromSeconds(60),
    };

    public static async Task<NfsFh3> MountAsync(RpcClient rpc, string export)
    {
        var mounted = await new MountV3Client(rpc).MntAsync(Encoding.UTF8.GetBytes(export));
        if (mounted.FhsStatus != Mountstat3.Mnt3Ok)
            throw new InvalidOperationException($"MOUNT {export}: {mounted.FhsStatus}");
        return new NfsFh3 { Data = mounted.Mountinfo.Fhandle.ToArray() };
    }

    public static Diropargs3 Where(NfsFh3 directory, string name) => new() { Dir = directory, Name = Encoding.UTF8.GetBytes(name) };

    public static async Task<NfsFh3> MakeDirectoryAsync(NfsV3Client nfs, NfsFh3 parent, string name)
    {
        var made = await nfs.MkdirAsync(new Mkdir3Args { Where = Where(parent, name), Attributes = new Sattr3 { Mode = new SetMode3 { SetIt = true, Mode = 0x1ED } } });
        if (made.Status != Nfsstat3.Nfs3Ok)
            throw new InvalidOperationException($"MKDIR {name}: {made.Status}");
        return new NfsFh3 { Data = made.Resok.Obj.Handle.Data.ToArray() };
    }

    /// <summary>CREATE (unchecked) of an empty file; its handle.</summary>
    public static async Task<NfsFh3> CreateAsync(NfsV3Client nfs, NfsFh3 directory, string name)
    {
        var created = await nfs.CreateAsync(new Create3Args { Where = Where(directory, name), How = new Createhow3 { Mode = Createmode3.Unchecked } });
        if (created.Status != Nfsstat3.Nfs3Ok)
            throw new InvalidOperationException($"CREATE {name}: {created.Status}");
        return new NfsFh3 { Data = created.Resok.Obj.Handle.Data.ToArray() };
    }

    /// <summary>CREATE (unchecked), then one WRITE FILE_SYNC of <paramref name="data"/>: a small file as a client writes it.</summary>
    public static async Task CreateAndWriteAsync(NfsV3Client nfs, NfsFh3 directory, string name, byte[] data)
    {
        var written = await nfs.WriteAsync(new Write3Args
        {
            File = await CreateAsync(nfs, directory, name),
            Offset = 0,
            Count = (uint)data.Length,
            Stable = StableHow.FileSync,
            Data = data,
        });
        if (written.Status != Nfsstat3.Nfs3Ok)
            throw new InvalidOperationException($"WRITE {name}: {written.Status}");
    }

    public static async Task<NfsFh3> LookupAsync(NfsV3Client nfs, NfsFh3 directory, string name)
    {
        var found = await nfs.LookupAsync(new Lookup3Args { What = Where(directory, name) });
        if (found.Status != Nfsstat3.Nfs3Ok)
            throw new InvalidOperationException($"LOOKUP {name}: {found.Status}");
        return new NfsFh3 { Data = found.Resok.Object.Data.ToArray() };
    }

    public static async Task GetattrAsync(NfsV3Client nfs, NfsFh3 file)
    {
        var attributes = await nfs.GetattrAsync(new Getattr3Args { Object = file });
        if (attributes.Status != Nfsstat3.Nfs3Ok)
            throw new InvalidOperationException($"GETATTR: {attributes.Status}");
    }

    public static async Task RemoveAsync(NfsV3Client nfs, NfsFh3 directory, string name)
    {
        var removed = await nfs.RemoveAsync(new Remove3Args { Object = Where(directory, name) });
        if (removed.Status != Nfsstat3.Nfs3Ok)
            throw new InvalidOperationException($"REMOVE {name}: {removed.Status}");
    }

    public static async Task RemoveDirectoryAsync(NfsV3Client nfs, NfsFh3 parent, string name)
    {
        var removed = await nfs.RmdirAsync(new Rmdir3Args { Object = Where(parent, name) });
        if (removed.Status != Nfsstat3.Nfs3Ok)
            throw new InvalidOperationException($"RMDIR {name}: {removed.Status}");
    }

    /// <summary>
    /// Runs <paramref name="work"/> for indexes from..to-1 in <paramref name="lanes"/> lanes at once (each lane one
    /// call in flight, lanes spread over the clients in turn), each lane taking every n-th index in sequence.
    /// </summary>
    public static Task ForEachAsync(NfsV3Client[] clients, long from, long to, int lanes, Func<NfsV3Client, long, Task> work) =>
        Task.WhenAll(Enumerable.Range(0, lanes).Select(lane => Task.Run(async () =>
        {
            var client = clients[lane % clients.Length];
            for (long i = from + lane; i < to; i += lanes)
                await work(client, i);
        })));
}
