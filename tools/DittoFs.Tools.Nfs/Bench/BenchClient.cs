using DittoFs.Protocol;

namespace DittoFs.Tools.Nfs.Bench;

/// <summary>
/// A file or directory as the bench holds it: its file handle and, over NFSv4, the open stateid READ, WRITE and
/// CLOSE name (default over NFSv3 and for directories).
/// </summary>
internal readonly record struct BenchFile(ReadOnlyMemory<byte> Handle, Stateid4 Open = default);

/// <summary>What a WRITE or COMMIT answered: bytes written (COMMIT: 0) and the server's write verifier.</summary>
internal readonly record struct WriteReply(uint Count, ulong Verifier);

/// <summary>
/// The calls the workloads make, one implementation per NFS version, so each workload is written once. A client
/// holds one or more connections (<c>--connections</c>); a load worker's calls go on that worker's connection
/// (<see cref="Lane"/>), other calls on each connection in turn; every call may run concurrently with others. <c>path</c>
/// arguments only name the object in error messages. Failures throw (<see cref="Session.NfsException"/>,
/// <see cref="Nfs4Exception"/>), which the load counts as errors.
/// </summary>
internal abstract class BenchClient : IAsyncDisposable
{
    /// <summary>
    /// The number of the load worker running in this flow (<see cref="LoadRunner"/>), null outside one. Worker <c>n</c>'s
    /// calls all go on connection <c>n mod connections</c>, so each connection carries exactly its share of the calls
    /// in flight, as separate clients would, and the calls a connection's replies release go back on it together.
    /// </summary>
    public static readonly AsyncLocal<int?> Lane = new();

    /// <summary>The connection (of <paramref name="count"/>) for this call: the worker's own, else the next in turn.</summary>
    protected static uint Pick(ref uint next, int count) =>
        (Lane.Value is int lane ? (uint)lane : Interlocked.Increment(ref next)) % (uint)count;

    /// <summary>The directory the URL names, where the bench works.</summary>
    public abstract BenchFile Directory { get; }

    /// <summary>The directory's path on the server, as the URL names it.</summary>
    public abstract string DirectoryPath { get; }

    /// <summary>Creates (or truncates) a regular file, mode 0644, open for reading and writing until <see cref="CloseAsync"/>.</summary>
    public abstract ValueTask<BenchFile> CreateFileAsync(BenchFile directory, string name, string path, CancellationToken cancellationToken);

    /// <summary>Ends what <see cref="CreateFileAsync"/> opened (NFSv4 CLOSE; nothing over NFSv3).</summary>
    public abstract ValueTask CloseAsync(BenchFile file, string path, CancellationToken cancellationToken);

    /// <summary>WRITE, UNSTABLE or FILE_SYNC.</summary>
    public abstract ValueTask<WriteReply> WriteAsync(BenchFile file, long offset, ReadOnlyMemory<byte> data, bool fileSync, string path, CancellationToken cancellationToken);

    /// <summary>COMMIT of the whole file.</summary>
    public abstract ValueTask<WriteReply> CommitAsync(BenchFile file, string path, CancellationToken cancellationToken);

    /// <summary>READ; the bytes returned (a slice of the reply).</summary>
    public abstract ValueTask<ReadOnlyMemory<byte>> ReadAsync(BenchFile file, long offset, int count, string path, CancellationToken cancellationToken);

    /// <summary>GETATTR: the file's size.</summary>
    public abstract ValueTask<ulong> GetSizeAsync(BenchFile file, string path, CancellationToken cancellationToken);

    /// <summary>LOOKUP of a name, then its size (what stat(2) costs a client that has the directory).</summary>
    public abstract ValueTask<ulong> LookupSizeAsync(BenchFile directory, string name, string path, CancellationToken cancellationToken);

    /// <summary>MKDIR, mode 0755.</summary>
    public abstract ValueTask<BenchFile> MakeDirectoryAsync(BenchFile directory, string name, string path, CancellationToken cancellationToken);

    /// <summary>The whole directory listed page by page with each entry's attributes and handle (READDIRPLUS; READDIR asking for them); the number of entries other than "." and "..".</summary>
    public abstract ValueTask<int> CountEntriesAsync(BenchFile directory, string path, CancellationToken cancellationToken);

    /// <summary>REMOVE of a file, or (NFSv3 RMDIR, NFSv4 REMOVE) of an empty directory.</summary>
    public abstract ValueTask RemoveAsync(BenchFile directory, string name, bool isDirectory, string path, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}
