using System.Runtime.CompilerServices;
using System.Text;
using Minio.DataModel;
using Minio.DataModel.Args;

namespace DittoFs.Storage.S3.Remote;

internal sealed partial class S3Bucket
{
    // Objects per page of a listing: what S3 answers per ListObjects request.
    private const int MaxKeysPerList = 1000;

    /// <summary>
    /// A listing of the objects under <paramref name="prefix"/>, read a page at a time (<see cref="ObjectListing.NextPageAsync"/>),
    /// so a listing of any length holds one page. Each page is one request of the request path.
    /// </summary>
    public ObjectListing ListObjects(string prefix) => new(this, prefix);

    /// <summary>
    /// Every object under <paramref name="prefix"/>, in key order, streamed page by page (<see cref="ListObjects"/>),
    /// for offline listings of a whole store (fsck). A page that fails for good is thrown as an
    /// <see cref="IOException"/> naming the bucket, the endpoint, the status and the cause.
    /// </summary>
    public async IAsyncEnumerable<ListedObject> ListObjectsAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var listing = ListObjects(prefix);
        while (true)
        {
            var page = await listing.NextPageAsync(cancellationToken).ConfigureAwait(false);
            if (!page.IsOk)
            {
                string cause = listing.Failure is null ? "S3 is silent (a request ran out of time moments ago)"
                    : listing.TimedOut ? $"no answer within {_timeout}"
                    : listing.Failure.Message;
                throw new IOException($"S3 listing of '{prefix}' in bucket '{Name}' at {Endpoint} failed ({page.Status}): {cause}", listing.Failure);
            }
            if (page.Value.Count == 0)
            {
                yield break;
            }
            foreach (var listed in page.Value)
            {
                yield return listed;
            }
        }
    }

    /// <summary>Whether <paramref name="key"/> comes after <paramref name="last"/> in a listing: S3 orders keys by their UTF-8 bytes.</summary>
    private static bool IsAfter(string key, string last) =>
        Encoding.UTF8.GetBytes(key).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(last)) > 0;

    /// <summary>
    /// One listing of a prefix, in key order. The SDK fetches the pages (continuing after the last key of each, so
    /// objects deleted meanwhile do not disturb it); each <see cref="NextPageAsync"/> is one call of the request path
    /// (<see cref="CallAsync"/>): it answers at once while S3 is silent, runs under the request timeout (time the
    /// caller spends between pages does not count), is retried when the failure may pass, and ends in a status.
    /// <para>
    /// The SDK cannot continue a listing after a failed request, so a retry starts the listing again and skips the
    /// keys of the pages already returned: objects deleted since are not listed again, those kept are. After a
    /// failure the listing may be continued the same way, or dropped.
    /// </para>
    /// </summary>
    internal sealed class ObjectListing(S3Bucket bucket, string prefix) : IAsyncDisposable
    {
        private IAsyncEnumerator<Item>? _items;       // the SDK's listing, null before the first page and after a failure
        private CancellationTokenSource? _itemsAborted; // cancels _items: the request timeout of the page being read
        private string? _last;                          // the last key returned: a listing started again resumes after it
        private bool _resuming;                         // _items was started again and has not passed _last yet
        private bool _ended;

        /// <summary>Why the last failed page failed; null when nothing was sent (S3 silent) or nothing failed.</summary>
        public Exception? Failure { get; private set; }

        /// <summary>The last failed page had no answer within the request timeout.</summary>
        public bool TimedOut { get; private set; }

        /// <summary>The next objects of the listing, at most one page of them; none once the listing is complete.</summary>
        public Task<StoreResult<IReadOnlyList<ListedObject>>> NextPageAsync(CancellationToken cancellationToken)
        {
            Failure = null;
            TimedOut = false;
            return _ended
                ? Task.FromResult(new StoreResult<IReadOnlyList<ListedObject>>([]))
                : bucket.CallAsync(S3Request.List, prefix, ReadPageAsync, cancellationToken);
        }

        public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

        /// <summary>One attempt at a page, under <paramref name="timeout"/> (the call's request timeout).</summary>
        private async Task<IReadOnlyList<ListedObject>> ReadPageAsync(CancellationToken timeout)
        {
            var page = new List<ListedObject>();
            try
            {
                if (_items is null)
                {
                    Start();
                }
                using var aborting = timeout.Register(static aborted => ((CancellationTokenSource)aborted!).Cancel(), _itemsAborted);
                while (page.Count < MaxKeysPerList)
                {
                    if (!await _items!.MoveNextAsync().ConfigureAwait(false))
                    {
                        _ended = true;
                        break;
                    }
                    var item = _items.Current;
                    if (item.IsDir || (_resuming && !IsAfter(item.Key, _last!)))
                    {
                        continue;
                    }
                    _resuming = false;
                    page.Add(new ListedObject(item.Key, item.Size));
                }
            }
            catch (Exception exception)
            {
                // The SDK's listing is over; the next attempt starts again after the last page returned.
                Failure = exception;
                TimedOut = timeout.IsCancellationRequested;
                await StopAsync().ConfigureAwait(false);
                throw;
            }
            if (page.Count > 0)
            {
                _last = page[^1].Key;
            }
            return page;
        }

        private void Start()
        {
            _itemsAborted = new CancellationTokenSource();
            var list = new ListObjectsArgs().WithBucket(bucket.Name).WithPrefix(prefix).WithRecursive(true);
            _items = bucket._minio.ListObjectsEnumAsync(list, _itemsAborted.Token).GetAsyncEnumerator(_itemsAborted.Token);
            _resuming = _last is not null;
        }

        private async Task StopAsync()
        {
            if (_items is not null)
            {
                await _items.DisposeAsync().ConfigureAwait(false);
                _items = null;
            }
            _itemsAborted?.Dispose();
            _itemsAborted = null;
        }
    }
}
