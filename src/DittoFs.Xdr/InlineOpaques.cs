namespace DittoFs.Xdr;

/// <summary>
/// What the inline opaque types share. A fixed <c>opaque x[N]</c> or bounded <c>opaque x&lt;N&gt;</c> with
/// N ≤ <see cref="MaxLength"/> (file handles, verifiers) is generated as a value holding its bytes
/// (<see cref="InlineOpaque8"/> or <see cref="InlineOpaque64"/>), so a reply can carry a handle it built without
/// memory that must outlive the call; longer or unbounded opaques, and strings, stay slices of the receive buffer
/// (<see cref="ReadOnlyMemory{T}"/>), since copying them would cost and holding them inline would make every struct
/// that holds them large.
/// </summary>
/// <remarks>
/// Two capacities, not one and not a ladder: 8 holds the verifiers (NFS3 cookie, create and write verifiers are
/// exactly 8 bytes), so the many results that carry one stay small (9 bytes, not 65); 64 holds every other bound up
/// to NFS3_FHSIZE, the largest file handle. Capacities in between would save bytes only for bounds our protocols do
/// not use, at the price of more copies of the same struct.
/// </remarks>
public static class InlineOpaques
{
    /// <summary>The largest bound (or fixed length) stored inline: NFS3_FHSIZE, the largest file handle.</summary>
    public const int MaxLength = InlineOpaque64.Capacity;

    internal static void CheckCapacity(int length, int capacity)
    {
        if (length > capacity)
            throw new ArgumentException($"An inline opaque holds at most {capacity} bytes, got {length}.", "bytes");
    }

    internal static int Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }
}
