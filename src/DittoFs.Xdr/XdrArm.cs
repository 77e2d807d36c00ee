using System.Runtime.CompilerServices;

namespace DittoFs.Xdr;

/// <summary>
/// The arm value of a wide union that code built (<see cref="XdrArm"/>): a box that the union refers to, so a union of
/// sixty arms is the size of one reference, not of its sixty arms side by side. Reusable: a server keeps one per arm
/// it answers and sets <see cref="Value"/> for each call, so building a wide union allocates nothing; the value is
/// read when the union is encoded.
/// </summary>
public sealed class XdrArm<T>
{
    /// <summary>An empty box (<c>default</c> value), to be filled before the union holding it is encoded.</summary>
    public XdrArm() => Value = default!;

    public XdrArm(in T value) => Value = value;

    public T Value;
}

/// <summary>
/// What generated wide unions share. A union with more than <see cref="WideArmCount"/> arms that carry data (NFSv4's
/// <c>nfs_argop4</c> and <c>nfs_resop4</c>, sixty each) is generated as a small view instead of a struct with every arm
/// side by side: its discriminant and either its arm's encoded bytes (decoded: a slice of the message, checked once
/// when read, decoded again when the arm is asked for) or an <see cref="XdrArm{T}"/> holding the arm (built).
/// </summary>
public static class XdrArm
{
    /// <summary>More arms with data than this make a union wide.</summary>
    public const int WideArmCount = 8;

    /// <summary>
    /// Checks one arm while decoding a wide union: decodes it and drops the value. Not inlined, so the decoder's frame
    /// does not hold a temporary of every arm type.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Check<T, TCodec>(ref XdrReader reader) where TCodec : IXdrCodec<T> => TCodec.Read(ref reader);

    /// <summary>The arm's value: the one built, or decoded from the arm's bytes.</summary>
    public static T Get<T, TCodec>(object? built, ReadOnlyMemory<byte> encoded) where TCodec : IXdrCodec<T> =>
        built is XdrArm<T> arm ? arm.Value : XdrCodec.Decode<T, TCodec>(encoded);

    /// <summary>Encodes the arm built for the arm the discriminant selects.</summary>
    public static void Write<T, TCodec>(ref XdrWriter writer, object? built) where TCodec : IXdrCodec<T> => TCodec.Write(ref writer, in Built<T>(built).Value);

    /// <summary>The encoded size of the arm built for the arm the discriminant selects.</summary>
    public static int SizeOf<T, TCodec>(object? built) where TCodec : IXdrCodec<T> => TCodec.SizeOf(in Built<T>(built).Value);

    // A box of another type was built for another arm than the discriminant selects.
    private static XdrArm<T> Built<T>(object? built) =>
        built as XdrArm<T> ?? throw new ArgumentException($"A wide union holds an arm of another type than its discriminant selects ({typeof(T).Name}).");

    /// <summary>Asking a wide union for an arm its discriminant does not select.</summary>
    public static InvalidOperationException WrongArm(string union, string arm, object discriminant) =>
        new($"{union}: the discriminant {discriminant} does not select the arm '{arm}'.");

    /// <summary>Building a wide union without an arm for a discriminant that does not select a void arm.</summary>
    public static ArgumentException NeedsArm(string union, object discriminant) =>
        new($"{union}: the discriminant {discriminant} does not select a void arm; build the value with the arm it selects.");
}
