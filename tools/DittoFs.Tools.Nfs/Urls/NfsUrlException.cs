namespace DittoFs.Tools.Nfs.Urls;

/// <summary>A URL that is not an nfs:// URL ditto-nfs understands: a usage error (exit code 2), never an NFS error.</summary>
internal sealed class NfsUrlException(string url, string reason) : FormatException($"bad URL '{url}': {reason}")
{
    public string Url { get; } = url;
    public string Reason { get; } = reason;
}
