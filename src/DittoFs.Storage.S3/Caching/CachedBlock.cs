using DittoFs.Storage.S3.Remote;

namespace DittoFs.Storage.S3.Caching;

/// <summary>
/// A whole block object as fetched from (or uploaded to) S3: its version and its bytes, <see cref="Length"/> of them
/// at the start of <see cref="Bytes"/>. Never changed once made, so readers copy from it without a lock.
/// </summary>
internal sealed class CachedBlock(ObjectVersion version, byte[] bytes, int length)
{
    public ObjectVersion Version { get; } = version;

    public byte[] Bytes { get; } = bytes;

    public int Length { get; } = length;

    /// <summary>Copies the object's bytes at <paramref name="within"/> into <paramref name="target"/>; returns how many it has there.</summary>
    public int CopyTo(int within, Span<byte> target)
    {
        int count = Math.Clamp(Length - within, 0, target.Length);
        Bytes.AsSpan(within, count).CopyTo(target);
        return count;
    }
}
