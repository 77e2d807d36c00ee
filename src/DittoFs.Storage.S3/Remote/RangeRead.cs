namespace DittoFs.Storage.S3.Remote;

/// <summary>
/// The outcome of a ranged GET. <see cref="ObjectLength"/> is the whole object's size, or, when the range started
/// at or past the object's end (HTTP 416), that start: the object is no longer than it. <see cref="ETag"/> names the
/// version of the object read (without quotes; null when S3 sent none, or the object is missing).
/// <see cref="NotModified"/>: a conditional GET found the object still at the version it named (HTTP 304); nothing was read.
/// </summary>
internal readonly record struct RangeRead(bool Found, int BytesRead, long ObjectLength, string? ETag = null, bool NotModified = false)
{
    public static RangeRead Missing => new(false, 0, 0);
}
