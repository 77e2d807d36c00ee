namespace DittoFs.Storage.S3.Buffering;

/// <summary>
/// One block of a content held in the write-back buffer because writes changed it. Guarded by its content's
/// <see cref="ContentState.Sync"/>. While sealed (being uploaded) its bytes do not change: writers to it wait
/// for the upload, so what S3 receives is exactly what its checksum was computed over.
/// </summary>
internal sealed class DirtyBlock
{
    /// <summary>Fragmented writes beyond this many ranges make the writer merge the remote block at once, bounding the range list.</summary>
    public const int MaxWrittenRanges = 1024;

    public DirtyBlock(ContentState content, ulong index, int blockSize, byte[] buffer, bool complete)
    {
        Content = content;
        Index = index;
        Start = index * (ulong)blockSize;
        BlockSize = blockSize;
        Buffer = buffer;
        Complete = complete;
        QueueNode = new LinkedListNode<DirtyBlock>(this);
    }

    public ContentState Content { get; }
    public ulong Index { get; }

    /// <summary>Offset of the block's first byte in the content.</summary>
    public ulong Start { get; }

    public int BlockSize { get; }

    /// <summary>At least <see cref="BlockSize"/> bytes (pooled); bytes nothing wrote are zero.</summary>
    public byte[] Buffer { get; }

    /// <summary>
    /// Every byte of <see cref="Buffer"/> is the content's: all of it was written, the remote block was merged in,
    /// or no remote block existed when this one was made. Otherwise only <see cref="Written"/> is.
    /// </summary>
    public bool Complete { get; private set; }

    /// <summary>What writes filled while the block is not <see cref="Complete"/>.</summary>
    public ByteRanges Written { get; } = new();

    /// <summary>Set while the block is sealed for upload; completes with the upload's outcome.</summary>
    public TaskCompletionSource<StoreStatus>? Upload { get; set; }

    public bool IsSealed => Upload is not null;

    /// <summary>Set once the block left the buffer (uploaded, truncated away, deleted): its buffer belongs to the pool again.</summary>
    public bool Released { get; set; }

    /// <summary>The block's place in the write-back queue (<see cref="WriteBackBuffer"/>).</summary>
    public LinkedListNode<DirtyBlock> QueueNode { get; }

    /// <summary>Copies a write in. True when the write left the block so fragmented that the remote block should be merged now.</summary>
    public bool Write(int offset, ReadOnlySpan<byte> data)
    {
        data.CopyTo(Buffer.AsSpan(offset));
        if (Complete)
        {
            return false;
        }
        Written.Add(offset, offset + data.Length);
        if (Written.Covers(0, BlockSize))
        {
            MarkComplete();
        }
        return Written.Count > MaxWrittenRanges;
    }

    /// <summary>Fills the bytes no write covered from the remote block's first bytes (the rest stay zero).</summary>
    public void MergeRemote(ReadOnlySpan<byte> remote)
    {
        Written.CopyIntoGaps(remote, Buffer);
        MarkComplete();
    }

    /// <summary>A truncation inside the block: bytes from <paramref name="offset"/> on become a hole.</summary>
    public void TruncateAt(int offset)
    {
        Buffer.AsSpan(offset, BlockSize - offset).Clear();
        Written.ClipTo(offset);
    }

    public void MarkComplete()
    {
        Complete = true;
        Written.Clear();
    }
}
