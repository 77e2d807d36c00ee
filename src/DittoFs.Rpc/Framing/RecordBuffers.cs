using System.Buffers;
using System.Numerics;

namespace DittoFs.Rpc;

/// <summary>
/// Where <see cref="RecordAssembler"/> gets record buffers. Small records (most calls) use the shared pool and its
/// per-thread caches. Large ones (a WRITE's data) use a pool of their own: the shared pool keeps a returned array in
/// the returning thread's cache, and with records returned on whichever pool thread ran the call, those caches
/// strand megabyte arrays on idle threads, so renting one misses now and then and allocates it on the large object
/// heap. This pool has no thread caches and is never trimmed; it holds at most
/// <see cref="LargeArraysPerSize"/> arrays of each size.
/// </summary>
internal static class RecordBuffers
{
    /// <summary>Records up to this size come from the shared pool.</summary>
    public const int SmallRecord = 64 * 1024;

    private const int LargeArraysPerSize = 64; // as many as one connection may have in flight by default

    private static readonly ArrayPool<byte> Large = ArrayPool<byte>.Create(1 << 30, LargeArraysPerSize);

    public static byte[] Rent(int minimumLength) =>
        minimumLength <= SmallRecord ? ArrayPool<byte>.Shared.Rent(minimumLength) : Large.Rent(minimumLength);

    /// <summary>
    /// The length of the array <see cref="Rent"/> returns for <paramref name="minimumLength"/>: both pools round up to a
    /// power of two (at least 16), which is what a record buffer is charged to the budget before it is rented.
    /// </summary>
    public static int RentSize(int minimumLength) => minimumLength <= 16 ? 16 : (int)BitOperations.RoundUpToPowerOf2((uint)minimumLength);

    /// <summary>Returns an array from <see cref="Rent"/> to the pool it came from (told apart by length).</summary>
    public static void Return(byte[] buffer)
    {
        if (buffer.Length <= SmallRecord)
            ArrayPool<byte>.Shared.Return(buffer);
        else
            Large.Return(buffer);
    }
}
