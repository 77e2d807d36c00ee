using System.Threading.Channels;
using DittoFs.Storage;
using Microsoft.Extensions.Logging;

namespace DittoFs.Nfs;

/// <summary>
/// Deletes, in the background, the content of files whose last name a REMOVE or RENAME took, so those replies wait
/// only for the namespace change to be durable, not for the bytes to go. On disk the unlink was most of a REMOVE's
/// time (measured: removes 9k/s with it in the reply path, 16k/s without). Safe because content ids are never
/// reused and nothing reaches released content any more; what a crash interrupts is left unreachable, as a crash
/// between the metadata change and an inline delete would, for <c>dittofs fsck --repair</c>.
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

    /// <summary>Queues the deletion of <paramref name="content"/> from <paramref name="store"/>; completes at once unless the queue is full.</summary>
    public ValueTask ReleaseAsync(IContentStore store, ContentId content, CancellationToken cancellationToken = default) =>
        _queue.Writer.WriteAsync(new Release(store, content, null), cancellationToken);

    /// <summary>
    /// Completes when every deletion queued before the call has run: for a WRITE that found no space, whose client
    /// may just have removed a file to make room (after disposal, at once).
    /// </summary>
    public async Task DeletedSoFarAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _queue.Writer.WriteAsync(new Release(null!, ContentId.None, done)).ConfigureAwait(false);
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
            StoreStatus status;
            try
            {
                status = await release.Store.DeleteAsync(release.Content).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // A store that throws (a bug, or a store disposed under us) must not stop the deletions behind it.
                LogDeleteThrew(release.Content, exception);
                continue;
            }
            if (status != StoreStatus.Ok)
            {
                LogContentLeak(release.Content, status);
            }
        }
    }

    /// <summary>A deletion, or (with <paramref name="Done"/>) a marker completed when the worker reaches it.</summary>
    private readonly record struct Release(IContentStore Store, ContentId Content, TaskCompletionSource? Done);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Content {Content} of a removed file was not deleted ({Status}); its bytes stay unreachable until fsck --repair")]
    private partial void LogContentLeak(ContentId content, StoreStatus status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Deleting content {Content} of a removed file failed; its bytes stay unreachable until fsck --repair")]
    private partial void LogDeleteThrew(ContentId content, Exception exception);
}
