using Microsoft.Win32.SafeHandles;

namespace DittoFs.Xdr;

/// <summary>
/// A piece of an output's external region (<see cref="XdrBufferWriter.ReserveExternal"/>): bytes in memory, or
/// <see cref="Length"/> bytes of <see cref="File"/> from <see cref="FileOffset"/>, read when sent.
/// </summary>
public readonly record struct XdrExternalBytes(ReadOnlyMemory<byte> Memory, SafeFileHandle? File, long FileOffset, int Length)
{
    /// <summary>Copies the piece into <paramref name="destination"/> (its length); a file's missing bytes read as zeros.</summary>
    public void CopyTo(Span<byte> destination)
    {
        if (File is null)
        {
            Memory.Span.CopyTo(destination);
            return;
        }
        int total = 0;
        while (total < destination.Length)
        {
            int read = RandomAccess.Read(File, destination[total..], FileOffset + total);
            if (read == 0)
                break;
            total += read;
        }
        destination[total..].Clear();
    }
}
