using System.Buffers.Binary;
using System.Security.Cryptography;
using DittoFs.Protocol;

namespace DittoFs.Nfs;

/// <summary>
/// The writeverf3 of WRITE and COMMIT replies (RFC 1813 §3.3.7, §3.3.21): one value per server instance. A client
/// that sees it change knows the server restarted and may have lost UNSTABLE data, and sends that data again.
/// High 32 bits: the start time in Unix seconds (so restarts a second apart always differ); low 32 bits: random
/// (so restarts within one second differ too, but for a 2^-32 chance).
/// </summary>
public sealed class WriteVerifier
{
    public WriteVerifier(ulong value)
    {
        Value = value;
        Bytes = Verifiers.Encode(value);
    }

    public ulong Value { get; }

    /// <summary>The 8 bytes sent to clients.</summary>
    public Writeverf3 Bytes { get; }

    /// <summary>A verifier for a server instance starting now.</summary>
    public static WriteVerifier ForNewInstance(TimeProvider? timeProvider = null)
    {
        ulong seconds = (ulong)(timeProvider ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds();
        ulong random = BinaryPrimitives.ReadUInt32LittleEndian(RandomNumberGenerator.GetBytes(4));
        return new WriteVerifier((seconds << 32) | random);
    }

    public override string ToString() => Value.ToString("x16");
}
