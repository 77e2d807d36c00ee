using System.Threading.Channels;
using DittoFs.Storage;
using Microsoft.Extensions.Logging;

namespace DittoFs.Vfs;

/// <summary>
/// Deletes, in the background, the content of files whose last name a REMOVE or RENAME took, so those replies wait
/// only for the namespace change to be durable, not for the bytes to go. On disk the unlink was most of a REMOVE's
/// time (measured: removes 9k/s with it in the reply path, 16k/s without). Safe because content ids are never
/// reused and nothing reaches released content any more.
/// <para>
/// A crash does not leak what is queued: a persistent metadata store records released content in the batch that
/// releases it, and keeps the record until told the content is gone (<see cref="IMetadataStore.ContentDeletedAsync"/>,
/// called here after each successful deletion); the next start queues what is still recorded
/// (<see cref="IMetadataStore.ListReleasedContentAsync"/>). A failed deletion keeps its record for that start too.
/// </para>
/// <para>
/// The queue is bounded: when deletions fall behind, releasing waits for room, so a REMOVE storm slows down
/// instead of growing memory. <see cref="DisposeAsync"/> stops taking work and finishes what is queued; call it
/// after the RPC server stopped and before the stores are disposed.
/// </para>
/// </summary>
public sealed partial class ContentReleaser : IAsyncDisposable
{
    private readonly Channel<Release> _queue;
    private readonly ILogger _logger;
    private readonly Task _worker;

    /// <param name="capacity">Deletions that may wait before releasing waits for room.</param>
    public ContentReleaser(ILogger logger, int capacity = 4096)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _logger = logger;
        _queue = Channel.CreateBounded<Release>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _worker = Task.Run(DeleteQueuedAsync);
    }

    /// <summary>
    /// Queues the deletion of <paramref name="content"/> from <paramref name="store"/>, after which
    /// <paramref name="metadata"/> (the store that released it) is told it is gone. Completes at once unless the queue is full.
    /// </summary>
    public ValueTask ReleaseAsync(IMetadataStore metadata, IContentStore store, ContentId content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(store);
        return _queue.Writer.WriteAsync(new Release(metadata, store, null, content, null), cancellationToken);
    }

    /// <summary>
    /// Queues the deletion of <paramref name="content"/> from every one of <paramref name="stores"/>, for content whose
    /// store is not known (at start-up, a metadata store serving shares with different content stores); deleting from
    /// a store that does not hold it does nothing. <paramref name="metadata"/> is told it is gone once every store
    /// deleted it.
    /// </summary>
    public ValueTask ReleaseAsync(IMetadataStore metadata, IReadOnlyList<IContentStore> stores, ContentId content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(stores);
        return _queue.Writer.WriteAsync(new Release(metadata, null, stores, content, null), cancellationToken);
    }

    /// <summary>
    /// Completes when every deletion queued before the call has run: for a WRITE that found no space, whose client
    /// may just have removed a file to make room (after disposal, at once).
    /// </summary>
    public async Task DeletedSoFarAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _queue.Writer.WriteAsync(new Release(null, null, null, ContentId.None, done)).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return; // disposed: the worker has run or is running everything queued
        }
        await done.Task.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _worker.ConfigureAwait(false);
    }

    private async Task DeleteQueuedAsync()
    {
        await foreach (var release in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (release.Done is { } done)
            {
                done.SetResult();
                continue;
            }
            if (await DeleteAsync(release).ConfigureAwait(false))
            {
                await ForgetAsync(release.Metadata!, release.Content).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Deletes the content from its store, or from each of its possible stores; false (logged) when one failed.</summary>
    private async ValueTask<bool> DeleteAsync(Release release)
    {
        if (release.Stores is not { } stores)
        {
            return await DeleteFromAsync(release.Store!, release.Content).ConfigureAwait(false);
        }
        bool deleted = true;
        foreach (var store in stores)
        {
            deleted &= await DeleteFromAsync(store, release.Content).ConfigureAwait(false);
        }
        return deleted;
    }

    private async ValueTask<bool> DeleteFromAsync(IContentStore store, ContentId content)
    {
        StoreStatus status;
        try
        {
            status = await store.DeleteAsync(content).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // A store that throws (a bug, or a store disposed under us) must not stop the deletions behind it.
            LogDeleteThrew(content, exception);
            return false;
        }
        if (status != StoreStatus.Ok)
        {
            LogContentLeak(content, status);
            return false;
        }
        return true;
    }

    /// <summary>Drops the metadata store's record of released content once it is gone; failing here only means deleting it again at the next start.</summary>
    private async ValueTask ForgetAsync(IMetadataStore metadata, ContentId content)
    {
        try
        {
            if (await metadata.ContentDeletedAsync(content).ConfigureAwait(false) is var status and not StoreStatus.Ok)
            {
                LogRecordKept(content, status.ToString(), null);
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogRecordKept(content, exception.GetType().Name, exception);
        }
    }

    /// <summary>
    /// A deletion from <see cref="Store"/> (or from each of <see cref="Stores"/>) to report to <see cref="Metadata"/>,
    /// or (with <see cref="Done"/>) a marker completed when the worker reaches it.
    /// </summary>
    private readonly record struct Release(IMetadataStore? Metadata, IContentStore? Store, IReadOnlyList<IContentStore>? Stores, ContentId Content, TaskCompletionSource? Done);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Content {Content} of a removed file was not deleted ({Status}); a persistent metadata store keeps it listed, and the next start tries again")]
    private partial void LogContentLeak(ContentId content, StoreStatus status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Deleting content {Content} of a removed file failed; a persistent metadata store keeps it listed, and the next start tries again")]
    private partial void LogDeleteThrew(ContentId content, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Content {Content} was deleted but the metadata store still lists it as released ({Reason}); the next start deletes it again, which is harmless")]
    private partial void LogRecordKept(ContentId content, string reason, Exception? exception);
}
