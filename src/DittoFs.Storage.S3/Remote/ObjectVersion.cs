namespace DittoFs.Storage.S3.Remote;

/// <summary>
/// One stored version of an object: its ETag (without quotes) and size. S3 gives every PUT a new ETag, so a cached
/// copy whose version is the object's current one holds its current bytes.
/// </summary>
internal readonly record struct ObjectVersion(string ETag, long Length)
{
    /// <summary>An ETag as S3 sends it in a header or a reply (quoted, or not), as it is compared here.</summary>
    public static string NormalizeETag(string etag) => etag.Trim('"');
}
