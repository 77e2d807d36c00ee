using System.Reflection;
using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests.Support;

/// <summary>
/// Makes random values of the generated XDR types by reflection over their public fields, within what the
/// wire allows: opaques (slices or inline values) and strings within their declared bound (fixed lengths exact), enums only declared
/// values, arrays within their bound. Union discriminants are enums or bools, so every arm, including the
/// error and void arms, comes up; fields of the arms not selected are filled too and must be ignored by the
/// encoder. Deterministic for a seed, so a failure names the seed that reproduces it.
/// </summary>
public sealed class RandomXdrValues(int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>Longest opaque made for an unbounded or large bound: keeps messages small and loops fast.</summary>
    public int MaxOpaqueLength { get; init; } = 300;

    /// <summary>Most elements made for an array or self-linked list.</summary>
    public int MaxElements { get; init; } = 4;

    /// <summary>The values an enum was given, for checking that every arm came up.</summary>
    public Dictionary<Type, HashSet<object>> EnumValuesMade { get; } = [];

    public object Next(Type type, XdrBound? bound = null) => Make(type, bound ?? XdrBound.Unbounded, depth: 0);

    private object Make(Type type, XdrBound bound, int depth)
    {
        if (depth > 16)
            throw new InvalidOperationException($"Nesting deeper than 16 at {type}: a recursive type the generator did not turn into a list?");
        if (type == typeof(bool))
            return _random.Next(2) == 1;
        if (type == typeof(int))
            return (int)NextUInt32();
        if (type == typeof(uint))
            return NextUInt32();
        if (type == typeof(long))
            return (long)NextUInt64();
        if (type == typeof(ulong))
            return NextUInt64();
        if (type == typeof(float))
            return BitConverter.Int32BitsToSingle((int)NextUInt32());
        if (type == typeof(double))
            return BitConverter.Int64BitsToDouble((long)NextUInt64());
        if (type.IsEnum)
            return NextEnum(type);
        if (type == typeof(ReadOnlyMemory<byte>))
            return NextOpaque(bound);
        if (XdrBounds.IsInlineOpaque(type)) // through its conversion from an array
            return type.GetMethod("op_Implicit", [typeof(byte[])])!.Invoke(null, [NextOpaque(bound).ToArray()])!;
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(XdrList<,>))
            return NextList(type, bound, depth);
        if (Nullable.GetUnderlyingType(type) is { } optional)
            return (_random.Next(2) == 0 ? null : Make(optional, bound, depth + 1))!;
        if (type.IsValueType && IsCodecOf(type, type))
            return NextStruct(type, depth);
        throw new NotSupportedException($"No random values for {type}.");
    }

    private uint NextUInt32() => _random.Next(8) switch
    {
        0 => 0,
        1 => uint.MaxValue,
        _ => (uint)_random.NextInt64(0, 1L << 32),
    };

    private ulong NextUInt64() => _random.Next(8) switch
    {
        0 => 0,
        1 => ulong.MaxValue,
        _ => (ulong)_random.NextInt64() ^ ((ulong)_random.Next(2) << 63),
    };

    private object NextEnum(Type type)
    {
        var declared = Enum.GetValues(type);
        // The first declared value is the success arm of every status enum (NFS3_OK, MNT3_OK): give it
        // about half the draws so results are not nearly always errors.
        var value = _random.Next(2) == 0 ? declared.GetValue(0)! : declared.GetValue(_random.Next(declared.Length))!;
        if (!EnumValuesMade.TryGetValue(type, out var made))
            EnumValuesMade[type] = made = [];
        made.Add(value);
        return value;
    }

    private ReadOnlyMemory<byte> NextOpaque(XdrBound bound)
    {
        int length = bound.Kind switch
        {
            XdrBoundKind.Fixed => bound.Limit,
            XdrBoundKind.AtMost when bound.Limit <= MaxOpaqueLength && _random.Next(4) == 0 => bound.Limit,
            _ => _random.Next(5) switch
            {
                0 => 0,
                // Every padding length: 0..3 bytes of pad.
                1 => _random.Next(1, 5),
                _ => _random.Next(Math.Min(bound.Limit, MaxOpaqueLength) + 1),
            },
        };
        // A slice at an odd offset of a larger array, as decoded data is: encoders must not assume offset 0.
        int offset = _random.Next(4);
        var bytes = new byte[offset + length + _random.Next(4)];
        _random.NextBytes(bytes);
        return bytes.AsMemory(offset, length);
    }

    private object NextList(Type listType, XdrBound bound, int depth)
    {
        var element = listType.GetGenericArguments()[0];
        int count = bound.Kind == XdrBoundKind.Fixed
            ? bound.Limit
            : _random.Next(Math.Min(bound.Limit, MaxElements) + 1);
        if (bound.Kind == XdrBoundKind.AtMost && bound.Limit <= 32 && _random.Next(8) == 0)
            count = bound.Limit;
        // Sometimes a longer array with only the first elements in the list, as from a pool.
        var items = Array.CreateInstance(element, count + (_random.Next(4) == 0 ? 2 : 0));
        for (int i = 0; i < items.Length; i++)
            items.SetValue(Make(element, XdrBound.Unbounded, depth + 1), i);
        return Activator.CreateInstance(listType, items, count)!;
    }

    private object NextStruct(Type type, int depth)
    {
        object value = Activator.CreateInstance(type)!;
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            XdrBound bound = XdrBound.Unbounded;
            if (XdrBounds.IsOpaque(field.FieldType) && !XdrBounds.TryGetOpaque(field, out bound))
                throw new InvalidOperationException($"No bound for {XdrBounds.Key(field)}: add it to XdrBounds from the .x file.");
            if (field.FieldType.IsGenericType && field.FieldType.GetGenericTypeDefinition() == typeof(XdrList<,>))
                bound = XdrBounds.Array(field);
            if (XdrBounds.TryGetDiscriminants(field, out var discriminants))
            {
                // A union whose discriminant has values without an arm: only the values with one.
                field.SetValue(value, discriminants[_random.Next(discriminants.Length)]);
                continue;
            }
            field.SetValue(value, Make(field.FieldType, bound, depth + 1));
        }
        return value;
    }

    /// <summary>True if <paramref name="codec"/> implements <c>IXdrCodec&lt;<paramref name="value"/>&gt;</c>.</summary>
    public static bool IsCodecOf(Type codec, Type value) => codec.GetInterfaces().Any(i =>
        i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IXdrCodec<>) && i.GetGenericArguments()[0] == value);
}
