using System.Buffers;

namespace DittoFs.Storage.S3.Buffering;

/// <summary>
/// The memory budget shared by all contents' dirty blocks: a writer reserves a block's worth before making a new
/// dirty block, so memory stays at most <c>MaxDirtyBytes</c> whatever the file sizes. Unsealed dirty blocks sit in
/// a queue, oldest first, from which a writer that finds the budget spent picks the block to upload.
/// Lock order: a content's <see cref="ContentState.Sync"/> may be held when calling in here, never the reverse.
/// </summary>
internal sealed class WriteBackBuffer
{
    private readonly Lock _sync = new();
    private readonly LinkedList<DirtyBlock> _queue = new();
    private readonly ArrayPool<byte> _pool;
    private readonly int _maxBlocks;
    private int _reserved;
    private int _peakReserved;
    private TaskCompletionSource _changed = NewSignal();

    public WriteBackBuffer(int blockSize, long maxDirtyBytes)
    {
        BlockSize = blockSize;
        _maxBlocks = (int)(maxDirtyBytes / blockSize);
        _pool = ArrayPool<byte>.Create(blockSize, _maxBlocks);
    }

    public int BlockSize { get; }

    public long MaxDirtyBytes => (long)_maxBlocks * BlockSize;

    /// <summary>Bytes reserved by dirty blocks now.</summary>
    public long DirtyBytes => (long)Volatile.Read(ref _reserved) * BlockSize;

    /// <summary>The most bytes ever reserved at once.</summary>
    public long PeakDirtyBytes => (long)Volatile.Read(ref _peakReserved) * BlockSize;

    /// <summary>Completes at the next freed reservation or block put back in the queue: take it before trying to reserve, then wait on it.</summary>
    public Task Changed
    {
        get
        {
            lock (_sync)
            {
                return _changed.Task;
            }
        }
    }

    public bool TryReserve()
    {
        lock (_sync)
        {
            if (_reserved >= _maxBlocks)
            {
                return false;
            }
            _reserved++;
            _peakReserved = Math.Max(_peakReserved, _reserved);
            return true;
        }
    }

    public void Unreserve()
    {
        lock (_sync)
        {
            _reserved--;
            Signal();
        }
    }

    /// <summary>A zeroed buffer for a new block, paid for by a reservation.</summary>
    public byte[] RentBuffer()
    {
        var buffer = _pool.Rent(BlockSize);
        Array.Clear(buffer, 0, BlockSize);
        return buffer;
    }

    public void Enqueue(DirtyBlock block)
    {
        lock (_sync)
        {
            _queue.AddLast(block.QueueNode);
        }
    }

    /// <summary>Takes a block out of the queue (it is being sealed for upload).</summary>
    public void Dequeue(DirtyBlock block)
    {
        lock (_sync)
        {
            if (block.QueueNode.List is not null)
            {
                _queue.Remove(block.QueueNode);
            }
        }
    }

    /// <summary>A block whose upload failed goes back to the front: it is still the oldest.</summary>
    public void Requeue(DirtyBlock block)
    {
        lock (_sync)
        {
            _queue.AddFirst(block.QueueNode);
            Signal();
        }
    }

    public DirtyBlock? Oldest()
    {
        lock (_sync)
        {
            return _queue.First?.Value;
        }
    }

    /// <summary>Returns a block's buffer and reservation; the caller has marked it released under its content's lock.</summary>
    public void Free(DirtyBlock block)
    {
        lock (_sync)
        {
            if (block.QueueNode.List is not null)
            {
                _queue.Remove(block.QueueNode);
            }
            _reserved--;
            Signal();
        }
        _pool.Return(block.Buffer);
    }

    private void Signal()
    {
        var changed = _changed;
        _changed = NewSignal();
        changed.SetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
