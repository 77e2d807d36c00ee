namespace DittoFs.Storage.S3.Remote;

/// <summary>
/// Requests a store sent to S3 since it opened, by kind, retries included (each attempt is a request S3 answers and
/// bills), read by the server's metrics when scraped and by benchmarks that report requests per NFS operation.
/// </summary>
public sealed class S3RequestStatistics
{
    private long _gets;
    private long _puts;
    private long _deletes;
    private long _lists;

    /// <summary>GETs of block and length objects (ranged, conditional or whole).</summary>
    public long Gets => Volatile.Read(ref _gets);

    /// <summary>PUTs of block and length objects.</summary>
    public long Puts => Volatile.Read(ref _puts);

    /// <summary>Multi-object DELETE requests (up to 1,000 keys each).</summary>
    public long Deletes => Volatile.Read(ref _deletes);

    /// <summary>Pages of object listings (fsck, inventory).</summary>
    public long Lists => Volatile.Read(ref _lists);

    internal void Sent(S3Request request)
    {
        switch (request)
        {
            case S3Request.Get: Interlocked.Increment(ref _gets); break;
            case S3Request.Put: Interlocked.Increment(ref _puts); break;
            case S3Request.Delete: Interlocked.Increment(ref _deletes); break;
            case S3Request.List: Interlocked.Increment(ref _lists); break;
        }
    }
}

/// <summary>The kinds of request the store sends.</summary>
internal enum S3Request
{
    Get,
    Put,
    Delete,
    List,
}
