using System.Buffers.Binary;
using DittoFs.Xdr;

namespace DittoFs.Nfs;

/// <summary>
/// The 8-byte verifiers of NFSv3 (cookieverf3, createverf3, writeverf3) as the numbers the stores and the server
/// keep: big-endian, like every XDR number, so a verifier reads the same in a packet capture as in a log.
/// </summary>
internal static class Verifiers
{
    public static InlineOpaque<InlineBytes8> Encode(ulong value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return new InlineOpaque<InlineBytes8>(bytes);
    }

    /// <summary>The verifier a client sent; one that is not 8 bytes (never decoded, so absent) counts as 0, "none yet".</summary>
    public static ulong Decode(in InlineOpaque<InlineBytes8> verifier) =>
        verifier.Length == sizeof(ulong) ? BinaryPrimitives.ReadUInt64BigEndian(verifier.Span) : 0;
}
