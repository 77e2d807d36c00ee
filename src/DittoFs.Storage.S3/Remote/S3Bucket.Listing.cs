using System.Runtime.CompilerServices;
using System.Text;
using Minio.DataModel;
using Minio.DataModel.Args;

namespace DittoFs.Storage.S3.Remote;

internal sealed partial class S3Bucket
{
    /// <summary>
    /// Every object under <paramref name="prefix"/>, in key order, streamed page by page as the SDK fetches them (S3
    /// answers at most 1,000 keys a request), so a listing of any length holds one page at a time. For offline
    /// listings of a whole store; never on a request path, so the silence after a timeout does not apply.
    /// <para>
    /// Each page request runs under the request timeout (time the caller spends between items does not count). A
    /// failure worth retrying (see <see cref="CallAsync"/>) starts the listing again and skips the keys already
    /// returned; the final failure is logged and thrown as an <see cref="IOException"/> naming the bucket, the
    /// endpoint and the status.
    /// </para>
    /// </summary>
    public async IAsyncEnumerable<ListedObject> ListObjectsAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? last = null; // the last key returned: a listing started again resumes after it
        for (int attempt = 1; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var list = new ListObjectsArgs().WithBucket(Name).WithPrefix(prefix).WithRecursive(true);
            await using var items = _minio.ListObjectsEnumAsync(list, timeout.Token).GetAsyncEnumerator(timeout.Token);
            bool resuming = last is not null;
            Exception? failure = null;
            while (true)
            {
                Item? item = null;
                timeout.CancelAfter(_timeout);
                try
                {
                    if (await items.MoveNextAsync().ConfigureAwait(false))
                    {
                        item = items.Current;
                    }
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = exception;
                }
                if (failure is not null || item is null)
                {
                    break;
                }
                timeout.CancelAfter(Timeout.InfiniteTimeSpan);
                if (item.IsDir || (resuming && !IsAfter(item.Key, last!)))
                {
                    continue;
                }
                resuming = false;
                last = item.Key;
                yield return new ListedObject(item.Key, item.Size);
            }
            if (failure is null)
            {
                yield break;
            }
            bool timedOut = timeout.IsCancellationRequested;
            if (attempt < MaxAttempts && !timedOut && S3Failures.IsWorthRetrying(failure))
            {
                await Task.Delay(RetryDelay * attempt, cancellationToken).ConfigureAwait(false);
                continue;
            }
            var status = S3Failures.Classify(failure);
            S3Log.RequestFailed(_logger, "LIST", prefix, Name, status, failure);
            string cause = timedOut ? $"no answer within {_timeout}" : failure.Message;
            throw new IOException($"S3 listing of '{prefix}' in bucket '{Name}' at {Endpoint} failed ({status}): {cause}", failure);
        }
    }

    /// <summary>Whether <paramref name="key"/> comes after <paramref name="last"/> in a listing: S3 orders keys by their UTF-8 bytes.</summary>
    private static bool IsAfter(string key, string last) =>
        Encoding.UTF8.GetBytes(key).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(last)) > 0;
}
