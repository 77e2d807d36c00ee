using System.Buffers;
using System.Numerics;

namespace DittoFs.Rpc;

/// <summary>
/// Where <see cref="RecordAssembler"/> gets record buffers, from three pools by size:
/// <list type="bullet">
/// <item>Calls up to <see cref="RecordAssembler.FreeBytes"/> (nearly all but WRITEs) from a pool of their own that keeps
/// as many arrays of each size as calls can be in flight (<see cref="CallArraysPerSize"/>). The shared pool keeps a few
/// per core and one per thread: with hundreds of calls in flight over many connections (each holding its record until
/// its arguments are used) it ran dry and allocated a new array for about every other call, and dropped them again as
/// calls returned them.</item>
/// <item>Records up to <see cref="SmallRecord"/> from the shared pool and its per-thread caches.</item>
/// <item>Large ones (a WRITE's data) from a pool of their own: the shared pool keeps a returned array in the returning
/// thread's cache, and with records returned on whichever pool thread ran the call, those caches strand megabyte arrays
/// on idle threads, so renting one misses now and then and allocates it on the large object heap. This pool has no
/// thread caches and is never trimmed; it holds at most <see cref="LargeArraysPerSize"/> arrays of each size.</item>
/// </list>
/// </summary>
internal static class RecordBuffers
{
    /// <summary>Records up to this size (and over <see cref="RecordAssembler.FreeBytes"/>) come from the shared pool.</summary>
    public const int SmallRecord = 64 * 1024;

    // As many as the calls the server keeps for reuse (RpcServer.PooledCalls). What it holds is what was once in flight:
    // 1 MiB after 4,096 GETATTRs (256-byte records) at once; 64 MiB only if 4,096 records of every size up to 8 KiB were.
    private const int CallArraysPerSize = 4096;

    private const int LargeArraysPerSize = 64; // as many as one connection may have in flight by default

    private static readonly ArrayPool<byte> Calls = ArrayPool<byte>.Create(RecordAssembler.FreeBytes, CallArraysPerSize);
    private static readonly ArrayPool<byte> Large = ArrayPool<byte>.Create(1 << 30, LargeArraysPerSize);

    public static byte[] Rent(int minimumLength) => minimumLength switch
    {
        <= RecordAssembler.FreeBytes => Calls.Rent(minimumLength),
        <= SmallRecord => ArrayPool<byte>.Shared.Rent(minimumLength),
        _ => Large.Rent(minimumLength),
    };

    /// <summary>
    /// The length of the array <see cref="Rent"/> returns for <paramref name="minimumLength"/>: all three pools round up to a
    /// power of two (at least 16), which is what a record buffer is charged to the budget before it is rented.
    /// </summary>
    public static int RentSize(int minimumLength) => minimumLength <= 16 ? 16 : (int)BitOperations.RoundUpToPowerOf2((uint)minimumLength);

    /// <summary>Returns an array from <see cref="Rent"/> to the pool it came from (told apart by length).</summary>
    public static void Return(byte[] buffer)
    {
        if (buffer.Length <= RecordAssembler.FreeBytes)
            Calls.Return(buffer);
        else if (buffer.Length <= SmallRecord)
            ArrayPool<byte>.Shared.Return(buffer);
        else
            Large.Return(buffer);
    }
}
