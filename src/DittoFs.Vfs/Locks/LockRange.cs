namespace DittoFs.Vfs.Locks;

/// <summary>Shared (read) locks coexist; an exclusive (write) lock conflicts with every lock of another owner.</summary>
public enum LockMode : byte
{
    Shared = 0,
    Exclusive = 1,
}

/// <summary>
/// A byte range as NLM v4 and NFSv4 give it: a 64-bit offset and a 64-bit length, where length 0 means from the
/// offset to the end of the file and beyond (NFSv4's all-ones length is mapped to 0 by its adapter).
/// <para>
/// A range whose last byte, offset + length - 1, does not fit in 64 bits is not a range: every table call refuses
/// it with <see cref="LockStatus.InvalidRange"/>. A range whose last byte is exactly <see cref="ulong.MaxValue"/> is
/// the same range as the one to the end, and the table reports it with length 0.
/// </para>
/// </summary>
public readonly record struct LockRange(ulong Offset, ulong Length)
{
    /// <summary>The whole file, from 0 to the end and beyond.</summary>
    public static LockRange WholeFile => new(0, 0);

    /// <summary>True when the last byte fits in 64 bits.</summary>
    public bool IsValid => Length == 0 || Length - 1 <= ulong.MaxValue - Offset;

    /// <summary>True when the range goes to the end of the file and beyond.</summary>
    public bool ToEnd => Length == 0 || (IsValid && Offset + (Length - 1) == ulong.MaxValue);

    /// <summary>True when the two ranges share a byte (both valid).</summary>
    public bool Overlaps(LockRange other) => ToSpan().Overlaps(other.ToSpan());

    public override string ToString() => Length == 0 ? $"[{Offset}, end)" : $"[{Offset}, +{Length})";

    internal LockSpan ToSpan() => new(Offset, Length == 0 ? ulong.MaxValue : Offset + (Length - 1));
}

/// <summary>
/// A valid range as the table keeps it: first and last byte, both inclusive, so that "to the end" is simply
/// <see cref="ulong.MaxValue"/> as the last byte and no arithmetic on it can overflow.
/// </summary>
internal readonly record struct LockSpan(ulong First, ulong Last)
{
    public bool Overlaps(LockSpan other) => First <= other.Last && other.First <= Last;

    /// <summary>True when the two touch without overlapping (this one ends right before the other begins, or after it).</summary>
    public bool Adjoins(LockSpan other) =>
        (Last != ulong.MaxValue && Last + 1 == other.First) || (other.Last != ulong.MaxValue && other.Last + 1 == First);

    public bool Covers(LockSpan other) => First <= other.First && other.Last <= Last;

    public LockRange ToRange() => new(First, Last == ulong.MaxValue ? 0 : Last - First + 1);
}
