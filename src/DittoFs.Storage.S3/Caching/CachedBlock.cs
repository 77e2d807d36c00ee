using DittoFs.Storage.S3.Remote;

namespace DittoFs.Storage.S3.Caching;

/// <summary>
/// A whole block object as fetched from (or uploaded to) S3: its version and its bytes, <see cref="Length"/> of them
/// at the start of <see cref="Bytes"/>. Never changed once made, so readers copy from it without a lock.
/// </summary>
internal sealed class CachedBlock
{
    private CachedBlock(ObjectVersion version, byte[] bytes, int length)
    {
        Version = version;
        Bytes = bytes;
        Length = length;
    }

    /// <summary>
    /// The object's first <paramref name="length"/> bytes, read into a block-sized <paramref name="buffer"/>. A short
    /// object (a small file, a file's last block) is copied into a buffer of its size: memory is counted by buffer, and
    /// a cache of small files would otherwise hold a block of memory for each.
    /// </summary>
    public static CachedBlock Of(ObjectVersion version, byte[] buffer, int length) =>
        new(version, length < buffer.Length / 2 ? buffer[..length] : buffer, length);

    public ObjectVersion Version { get; }

    public byte[] Bytes { get; }

    public int Length { get; }

    /// <summary>Copies the object's bytes at <paramref name="within"/> into <paramref name="target"/>; returns how many it has there.</summary>
    public int CopyTo(int within, Span<byte> target)
    {
        int count = Math.Clamp(Length - within, 0, target.Length);
        if (count > 0)
        {
            Bytes.AsSpan(within, count).CopyTo(target);
        }
        return count;
    }
}
