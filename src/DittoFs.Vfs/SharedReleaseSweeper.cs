using DittoFs.Storage;
using Microsoft.Extensions.Logging;

namespace DittoFs.Vfs;

/// <summary>
/// Deletes the released content of metadata stores that several servers share (<see cref="ISharedReleaseList"/>):
/// every <see cref="Interval"/> it claims what is due — released at least <see cref="Grace"/> ago — and queues it on
/// the <see cref="ContentReleaser"/>, which deletes it from every content store the store's shares use and then drops
/// its record. The claim is one transaction in the database, so of several servers exactly one deletes each content;
/// the grace lets a READ that another server began before the removal (its file check passed) finish first.
/// A full batch is followed at once by the next; a failed deletion keeps its record, and its claim expires after
/// <see cref="Lease"/>, when some server claims it again.
/// </summary>
public sealed partial class SharedReleaseSweeper : IAsyncDisposable
{
    /// <summary>Contents claimed at once.</summary>
    public const int Batch = 256;

    private readonly List<(IMetadataStore Metadata, ISharedReleaseList List, IContentStore[] ContentStores)> _stores;
    private readonly ContentReleaser _releaser;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _worker;

    private SharedReleaseSweeper(List<(IMetadataStore, ISharedReleaseList, IContentStore[])> stores, ContentReleaser releaser, ILogger logger,
        TimeSpan grace, TimeSpan interval, TimeSpan lease)
    {
        _stores = stores;
        _releaser = releaser;
        _logger = logger;
        Grace = grace;
        Interval = interval;
        Lease = lease;
        _worker = Task.Run(SweepAsync);
    }

    public TimeSpan Grace { get; }
    public TimeSpan Interval { get; }
    public TimeSpan Lease { get; }

    /// <summary>
    /// A sweeper for the shared metadata stores of <paramref name="shares"/>; null when none of them is shared (a
    /// store of one server deletes what it releases at once, and the backlog at start).
    /// </summary>
    public static SharedReleaseSweeper? Start(IEnumerable<VirtualFileSystem> shares, ContentReleaser releaser, ILogger logger,
        TimeSpan grace, TimeSpan interval, TimeSpan lease)
    {
        ArgumentNullException.ThrowIfNull(releaser);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        var stores = shares.GroupBy(share => share.Metadata)
            .Where(group => group.Key is ISharedReleaseList)
            .Select(group => (group.Key, (ISharedReleaseList)group.Key, group.Select(share => share.Content).Distinct().ToArray()))
            .ToList();
        return stores.Count == 0 ? null : new SharedReleaseSweeper(stores, releaser, logger, grace, interval, lease);
    }

    private async Task SweepAsync()
    {
        var token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                bool full = false;
                foreach (var (metadata, list, contentStores) in _stores)
                {
                    full |= await SweepOnceAsync(metadata, list, contentStores, token).ConfigureAwait(false);
                }
                if (!full)
                {
                    await Task.Delay(Interval, token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopping: what was claimed and not queued is claimed again by some server once its lease expires.
        }
    }

    /// <summary>One claim and its deletions queued; true when the batch was full (more may be due).</summary>
    private async Task<bool> SweepOnceAsync(IMetadataStore metadata, ISharedReleaseList list, IContentStore[] contentStores, CancellationToken token)
    {
        IReadOnlyList<ContentId> claimed;
        try
        {
            claimed = await list.ClaimReleasedContentAsync(Batch, Grace, Lease, token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not (OutOfMemoryException or OperationCanceledException))
        {
            LogClaimFailed(exception);
            return false;
        }
        foreach (var content in claimed)
        {
            await _releaser.ReleaseAsync(metadata, contentStores, content, token).ConfigureAwait(false);
        }
        if (claimed.Count > 0)
        {
            LogClaimed(claimed.Count);
        }
        return claimed.Count == Batch;
    }

    /// <summary>Stops claiming (what is queued is deleted by the releaser's own disposal).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _worker.ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Claimed {Count} piece(s) of released content for deletion")]
    private partial void LogClaimed(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Claiming released content for deletion failed; trying again later")]
    private partial void LogClaimFailed(Exception exception);
}
