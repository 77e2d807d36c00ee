namespace DittoFs.Storage.S3.Caching;

/// <summary>
/// Which contents are being read front to back. A read that starts at most a block past the furthest byte read of
/// its content so far, and reaches beyond it, extends that content's run; one a little behind it (NFS clients send
/// several READs at once, and they arrive out of order) leaves the run as it is; any other starts a new run. Bounded:
/// past <see cref="MaxTracked"/> contents the table starts afresh, which costs a few reads of detection.
/// </summary>
internal sealed class SequentialReads(int blockSize)
{
    private const int MaxTracked = 4096;

    // Reads that must extend a run before read-ahead starts: the first read of a file says nothing yet.
    private const int RunBeforeReadAhead = 2;

    private readonly Lock _sync = new();
    private readonly Dictionary<ContentId, (ulong End, int Run)> _runs = [];

    /// <summary>Records a read of <paramref name="count"/> bytes at <paramref name="offset"/>; true when the content is being read sequentially.</summary>
    public bool Record(ContentId content, ulong offset, int count)
    {
        ulong end = offset + (ulong)count;
        lock (_sync)
        {
            var (furthest, run) = _runs.TryGetValue(content, out var known) ? known : (0UL, -1);
            if (run >= 0 && offset <= furthest + (ulong)blockSize && end > furthest)
            {
                (furthest, run) = (end, run + 1);
            }
            else if (run < 0 || offset + 2 * (ulong)blockSize < furthest || offset > furthest)
            {
                (furthest, run) = (end, 0);
            }
            if (!_runs.ContainsKey(content) && _runs.Count >= MaxTracked)
            {
                _runs.Clear();
            }
            _runs[content] = (furthest, run);
            return run >= RunBeforeReadAhead;
        }
    }
}
