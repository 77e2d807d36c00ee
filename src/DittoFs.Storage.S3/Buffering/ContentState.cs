using DittoFs.Storage.S3.Threading;

namespace DittoFs.Storage.S3.Buffering;

/// <summary>
/// What the store knows of one content: its length, what the remote length object says, and its dirty blocks.
/// The plain fields are guarded by <see cref="Sync"/>, which is never held across an await.
/// <para>
/// Remote invariant: no block object holds bytes past <see cref="PersistedLength"/>. Uploads raise the length
/// object before a block that reaches past it; truncation removes blocks before lowering it. So a block whose
/// start is at or past <see cref="RemoteLength"/> has no remote object to merge with.
/// </para>
/// </summary>
internal sealed class ContentState(ContentId id)
{
    public ContentId Id { get; } = id;

    public Lock Sync { get; } = new();

    /// <summary>End of the furthest write or of the last truncation.</summary>
    public ulong Length;

    /// <summary>The value of the remote length object; 0 when there is none.</summary>
    public ulong PersistedLength;

    /// <summary>
    /// Remote bytes at or past this are not content and read as zeros. Equal to <see cref="PersistedLength"/> except
    /// after a truncation whose removal of remote blocks has not completed (it failed, or is running).
    /// </summary>
    public ulong RemoteLength;

    public Dictionary<ulong, DirtyBlock> Blocks { get; } = [];

    /// <summary>Shared by block uploads and merges of remote blocks, exclusive to truncation (and so deletion).</summary>
    public AsyncReaderWriterLock RemoteGate { get; } = new();

    /// <summary>Serialises writes of the length object, so two uploads never store lengths out of order.</summary>
    public SemaphoreSlim LengthGate { get; } = new(1, 1);

    /// <summary>Operations holding this state; it is dropped from the table only when none do and nothing is dirty.</summary>
    public int Users;

    /// <summary>Set when dropped from the table: whoever finds it so starts over with a fresh state.</summary>
    public bool Retired;

    /// <summary>The length was read from S3.</summary>
    public bool Loaded;

    /// <summary>The read of the length object in flight, shared by everyone waiting for it.</summary>
    public Task<StoreStatus>? Loading;

    public bool TrimPending => RemoteLength < PersistedLength;

    /// <summary>How many of a block's first bytes may come from its remote object.</summary>
    public int RemoteBytesOf(ulong blockStart, int blockSize) =>
        RemoteLength > blockStart ? (int)Math.Min((ulong)blockSize, RemoteLength - blockStart) : 0;
}
