using DittoFs.Storage.S3.Threading;

namespace DittoFs.Storage.S3.Buffering;

/// <summary>
/// What the store knows of one content: its length, what the remote length object says, and its dirty blocks.
/// The plain fields are guarded by <see cref="Sync"/>, which is never held across an await.
/// <para>
/// Remote invariant: remote bytes at or past <see cref="PersistedLength"/> are not content, and unless the length
/// object is marked trimming there are none. Uploads raise the length object before a block that reaches past it. A
/// truncation that leaves remote bytes past its new length stores the length marked trimming (its commit point), and
/// the marked length is raised only after those bytes were removed. So a block whose start is at or past
/// <see cref="PersistedLength"/> has nothing remote to merge with, and growing content never shows old bytes.
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

    /// <summary>The remote length object is marked trimming.</summary>
    public bool PersistedTrimming;

    /// <summary>
    /// Remote blocks may hold bytes past <see cref="PersistedLength"/> that a committed truncation left to remove.
    /// Implies <see cref="PersistedTrimming"/>; cleared once they are removed (the mark is rewritten after that).
    /// </summary>
    public bool Trimming;

    /// <summary>
    /// A write of the length object failed in a way S3 may still have applied (a timeout, a reset): the next write
    /// of it is sent even when the fields above say it would change nothing, and the state stays in the table.
    /// </summary>
    public bool LengthUncertain;

    public Dictionary<ulong, DirtyBlock> Blocks { get; } = [];

    /// <summary>Shared by block uploads and merges of remote blocks, exclusive to truncation (and so deletion) and to the removal of remote bytes it left.</summary>
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

    /// <summary>How many of a block's first bytes may come from its remote object.</summary>
    public int RemoteBytesOf(ulong blockStart, int blockSize) =>
        PersistedLength > blockStart ? (int)Math.Min((ulong)blockSize, PersistedLength - blockStart) : 0;
}
