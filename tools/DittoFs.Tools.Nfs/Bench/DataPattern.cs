namespace DittoFs.Tools.Nfs.Bench;

/// <summary>
/// The bench file's content, as nfsbench.c makes it: byte i of a 16 MiB window is
/// <c>(i * 2654435761) &gt;&gt; 24</c>, and the file repeats the window. Every READ is checked against it, so a
/// server returning wrong bytes cannot post a number.
/// </summary>
internal static class DataPattern
{
    public const int Window = 16 * 1024 * 1024;

    private static readonly Lazy<byte[]> Bytes = new(() =>
    {
        var bytes = new byte[Window];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = (byte)(((ulong)i * 2654435761UL) >> 24);
        return bytes;
    });

    /// <summary>The content at <paramref name="offset"/>; the range must not cross a window boundary (aligned I/O never does).</summary>
    public static ReadOnlyMemory<byte> At(long offset, int length) => Bytes.Value.AsMemory((int)(offset % Window), length);

    public static bool Matches(ReadOnlySpan<byte> data, long offset) => data.SequenceEqual(At(offset, data.Length).Span);
}
