namespace DittoFs.Storage.S3;

/// <summary>
/// <see cref="S3ContentStore.OpenAsync(S3ContentStoreOptions, Microsoft.Extensions.Logging.ILogger?, CancellationToken)"/>
/// could not use the bucket. The message names the bucket, the endpoint and why, in one line;
/// <see cref="EndpointUnreachable"/> tells an endpoint that did not answer (a name that does not resolve, a refused
/// connection, a timeout) from an S3 that answered with an error (access denied, a bucket it would not create).
/// </summary>
public sealed class S3UnavailableException(string message, bool endpointUnreachable, Exception inner) : InvalidOperationException(message, inner)
{
    public bool EndpointUnreachable { get; } = endpointUnreachable;
}
