using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Minio;
using Minio.DataModel.Args;

namespace DittoFs.Storage.S3.Remote;

/// <summary>
/// The few S3 requests the store makes, each bounded by the request timeout and answered with a status instead of
/// an exception. Reads are ranged GETs on presigned URLs sent with our own HttpClient, because the Minio SDK 7.0.0
/// fails ranged GETs with a PartialContentException (minio-dotnet #1342); writes, listings and deletes go through
/// the SDK. Both share one HttpClient and so one connection pool. A listing is a request per page
/// (<see cref="ListObjects"/>), so it holds one page and no timeout bounds the whole of it.
/// </summary>
internal sealed partial class S3Bucket : IDisposable
{
    // S3 accepts at most this many keys per DeleteObjects request.
    private const int MaxKeysPerDelete = 1000;

    // Attempts per request, and the pause before the second (twice that before the third).
    private const int MaxAttempts = 3;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(50);

    // Presigned URLs are used at once; the expiry only has to outlast one request.
    private const int PresignExpirySeconds = 600;

    // How long calls answer Jukebox at once after a request to a silent S3 ran out of time, before one probes again.
    private static readonly long SilenceTicks = Stopwatch.Frequency; // 1 s

    private long _silentUntil; // Stopwatch timestamp: S3 is taken as silent before it; 0 while it answers
    private int _probing;      // 1 while the one call allowed through a silence is out

    private readonly HttpClient _http;
    private readonly IMinioClient _minio;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;

    public S3Bucket(S3ContentStoreOptions options, S3Credentials credentials, HttpMessageHandler handler, ILogger logger)
    {
        Name = options.Bucket;
        Endpoint = options.Endpoint;
        _timeout = options.RequestTimeout;
        _logger = logger;
        _http = new HttpClient(handler, disposeHandler: true);
        _minio = new MinioClient()
            .WithEndpoint(options.Endpoint)
            .WithCredentials(credentials.AccessKey, credentials.SecretKey)
            .WithRegion(options.Region)
            .WithSSL(options.UseTls)
            .WithTimeout((int)options.RequestTimeout.TotalMilliseconds)
            .WithHttpClient(_http)
            .Build();
    }

    public string Name { get; }
    public string Endpoint { get; }

    /// <summary>Requests sent so far, by kind.</summary>
    public S3RequestStatistics Requests { get; } = new();

    /// <summary>Creates the bucket when it is missing; throws, saying which bucket and endpoint, when S3 cannot be used.</summary>
    public async Task EnsureExistsAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            if (await ExistsAsync(timeout.Token).ConfigureAwait(false))
            {
                return;
            }
            try
            {
                await _minio.MakeBucketAsync(new MakeBucketArgs().WithBucket(Name), timeout.Token).ConfigureAwait(false);
                S3Log.BucketCreated(_logger, Name, Endpoint);
            }
            catch (Exception) when (!timeout.IsCancellationRequested)
            {
                // Fine if another server created it meanwhile.
                if (!await ExistsAsync(timeout.Token).ConfigureAwait(false))
                {
                    throw;
                }
            }
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            string? unreachable = S3Failures.DescribeUnreachable(exception, Endpoint, _timeout);
            throw new S3UnavailableException($"S3 bucket '{Name}' at {Endpoint} cannot be used: {unreachable ?? exception.Message}", unreachable is not null, exception);
        }
    }

    /// <summary>
    /// Reads the object's bytes from <paramref name="offset"/> into <paramref name="destination"/> (fewer at its end).
    /// A missing object is not a failure: it is a hole. With <paramref name="ifNoneMatch"/> (an ETag) nothing is read
    /// while the object is still that version (<see cref="RangeRead.NotModified"/>).
    /// </summary>
    public Task<StoreResult<RangeRead>> ReadAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken, string? ifNoneMatch = null) =>
        CallAsync(S3Request.Get, key, token => GetRangeAsync(key, offset, destination, ifNoneMatch, token), cancellationToken);

    public async Task<StoreStatus> PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        (await PutVersionAsync(key, data, cancellationToken).ConfigureAwait(false)).Status;

    /// <summary>Writes the object; on success its new ETag (null when S3 sent none).</summary>
    public Task<StoreResult<string?>> PutVersionAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        CallAsync(S3Request.Put, key, async token =>
        {
            using var stream = MemoryMarshal.TryGetArray(data, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(data.ToArray(), writable: false);
            var put = new PutObjectArgs()
                .WithBucket(Name)
                .WithObject(key)
                .WithStreamData(stream)
                .WithObjectSize(data.Length)
                .WithContentType("application/octet-stream");
            var response = await _minio.PutObjectAsync(put, token).ConfigureAwait(false);
            return response.Etag is { Length: > 0 } etag ? ObjectVersion.NormalizeETag(etag) : null;
        }, cancellationToken);

    /// <summary>Deletes the objects; keys that do not exist are fine.</summary>
    public async Task<StoreStatus> DeleteAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        for (int start = 0; start < keys.Count; start += MaxKeysPerDelete)
        {
            var batch = keys.Skip(start).Take(MaxKeysPerDelete).ToList();
            var result = await CallAsync(S3Request.Delete, batch[0], async token =>
            {
                var errors = await _minio.RemoveObjectsAsync(new RemoveObjectsArgs().WithBucket(Name).WithObjects(batch), token).ConfigureAwait(false);
                var failure = errors.FirstOrDefault(error => error.Code != "NoSuchKey");
                return failure is null ? StoreStatus.Ok : S3Failures.FromErrorCode(failure.Code);
            }, cancellationToken).ConfigureAwait(false);
            var status = result.IsOk ? result.Value : result.Status;
            if (status != StoreStatus.Ok)
            {
                return status;
            }
        }
        return StoreStatus.Ok;
    }

    public void Dispose()
    {
        _minio.Dispose();
        _http.Dispose();
    }

    private async Task<bool> ExistsAsync(CancellationToken token) =>
        await _minio.BucketExistsAsync(new BucketExistsArgs().WithBucket(Name), token).ConfigureAwait(false);

    private async Task<RangeRead> GetRangeAsync(string key, long offset, Memory<byte> destination, string? ifNoneMatch, CancellationToken token)
    {
        var url = await _minio.PresignedGetObjectAsync(new PresignedGetObjectArgs().WithBucket(Name).WithObject(key).WithExpiry(PresignExpirySeconds)).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = new RangeHeaderValue(offset, offset + destination.Length - 1);
        if (ifNoneMatch is not null)
        {
            // Not part of the presigned signature (which covers only the host), as S3 allows for conditional headers.
            request.Headers.TryAddWithoutValidation("If-None-Match", $"\"{ifNoneMatch}\"");
        }
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
        switch (response.StatusCode)
        {
            case HttpStatusCode.NotModified when ifNoneMatch is not null:
                return new RangeRead(true, 0, 0, ifNoneMatch, NotModified: true);
            case HttpStatusCode.NotFound:
                return RangeRead.Missing;
            case HttpStatusCode.RequestedRangeNotSatisfiable:
                return new RangeRead(true, 0, offset);
            case HttpStatusCode.PartialContent:
            {
                long length = response.Content.Headers.ContentRange?.Length ?? offset + destination.Length;
                await using var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
                return new RangeRead(true, await FillAsync(body, destination, token).ConfigureAwait(false), length, ETagOf(response));
            }
            case HttpStatusCode.OK:
            {
                // A server that ignores Range sends the whole object.
                long length = response.Content.Headers.ContentLength ?? 0;
                await using var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
                await SkipAsync(body, offset, token).ConfigureAwait(false);
                return new RangeRead(true, await FillAsync(body, destination, token).ConfigureAwait(false), length, ETagOf(response));
            }
            default:
                throw new S3HttpException(response.StatusCode, key);
        }
    }

    private static string? ETagOf(HttpResponseMessage response) =>
        response.Headers.ETag?.Tag is { } tag ? ObjectVersion.NormalizeETag(tag)
        : response.Headers.TryGetValues("ETag", out var values) && values.FirstOrDefault() is { Length: > 0 } raw ? ObjectVersion.NormalizeETag(raw)
        : null;

    private static async Task<int> FillAsync(Stream body, Memory<byte> destination, CancellationToken token)
    {
        int filled = 0;
        while (filled < destination.Length)
        {
            int read = await body.ReadAsync(destination[filled..], token).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            filled += read;
        }
        return filled;
    }

    private static async Task SkipAsync(Stream body, long count, CancellationToken token)
    {
        var scratch = new byte[Math.Min(count, 81920)];
        while (count > 0)
        {
            int read = await body.ReadAsync(scratch.AsMemory(0, (int)Math.Min(count, scratch.Length)), token).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }
            count -= read;
        }
    }

    /// <summary>
    /// Runs one request under the request timeout, retrying what may pass within it: a reply cut short, a reset
    /// connection, a 5xx, throttling. Every request the store sends is idempotent, so a retry is safe. A refused
    /// connection is not retried (the server is down: answering Jukebox at once is better). The final failure
    /// becomes a status and a warning naming the key.
    /// <para>
    /// A request that ran out of time means S3 accepts connections but does not answer (a frozen or overloaded
    /// server, a black-holed network). Every call would then wait a whole timeout, and NFS clients retransmit long
    /// before that. So for a second after such a timeout calls answer Jukebox without sending anything; then one call
    /// at a time probes, and the first answer S3 gives ends the silence.
    /// </para>
    /// </summary>
    private static string Verb(S3Request request) => request switch
    {
        S3Request.Get => "GET",
        S3Request.Put => "PUT",
        S3Request.Delete => "DELETE",
        _ => "LIST",
    };

    private async Task<StoreResult<T>> CallAsync<T>(S3Request operation, string key, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        bool probe = false;
        if (Volatile.Read(ref _silentUntil) is var silentUntil and not 0)
        {
            if (Stopwatch.GetTimestamp() < silentUntil || Interlocked.CompareExchange(ref _probing, 1, 0) != 0)
            {
                S3Log.SkippedWhileSilent(_logger, Verb(operation), key, Name);
                return new StoreResult<T>(StoreStatus.Jukebox, default!);
            }
            probe = true;
        }
        try
        {
            return await SendAsync(operation, key, request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (probe)
            {
                Volatile.Write(ref _probing, 0);
            }
        }
    }

    private async Task<StoreResult<T>> SendAsync<T>(S3Request operation, string key, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Requests.Sent(operation);
                var result = await request(timeout.Token).ConfigureAwait(false);
                if (Interlocked.Exchange(ref _silentUntil, 0) != 0)
                {
                    S3Log.AnsweringAgain(_logger, Name, Endpoint);
                }
                return new StoreResult<T>(result);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                var status = S3Failures.Classify(exception);
                if (attempt < MaxAttempts && !timeout.IsCancellationRequested && S3Failures.IsWorthRetrying(exception))
                {
                    try
                    {
                        await Task.Delay(RetryDelay * attempt, timeout.Token).ConfigureAwait(false);
                        continue;
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Out of time: report the failure we have.
                    }
                }
                S3Log.RequestFailed(_logger, Verb(operation), key, Name, status, exception);
                if (timeout.IsCancellationRequested && Interlocked.Exchange(ref _silentUntil, Stopwatch.GetTimestamp() + SilenceTicks) == 0)
                {
                    S3Log.Silent(_logger, Name, Endpoint, _timeout);
                }
                return new StoreResult<T>(status, default!);
            }
        }
    }
}
