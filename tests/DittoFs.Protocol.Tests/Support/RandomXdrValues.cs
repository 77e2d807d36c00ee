using System.Reflection;
using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests.Support;

/// <summary>
/// Makes random values of the generated XDR types by reflection over their public fields (a wide union's arms: its
/// From methods), within what the
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
            return IsWideUnion(type) ? NextWideUnion(type, depth) : NextStruct(type, depth);
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
            field.SetValue(value, NextMember(field, field.FieldType, depth));
        return value;
    }

    /// <summary>A value for a field, or a wide union's arm, within the bound the .x file gives it (<see cref="XdrBounds"/>).</summary>
    private object NextMember(MemberInfo member, Type type, int depth)
    {
        XdrBound bound = XdrBound.Unbounded;
        if (XdrBounds.IsOpaque(type) && !XdrBounds.TryGetOpaque(member, out bound))
            throw new InvalidOperationException($"No bound for {XdrBounds.Key(member)}: add it to XdrBounds from the .x file.");
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(XdrList<,>))
            bound = XdrBounds.Array(member);
        // A union whose discriminant has values without an arm: only the values with one.
        if (member is FieldInfo field && XdrBounds.TryGetDiscriminants(field, out var discriminants))
            return discriminants[_random.Next(discriminants.Length)];
        return Make(type, bound, depth + 1);
    }

    /// <summary>A generated wide union: a view with a private arm box instead of a field per arm (see DittoFs.Xdr's XdrArm).</summary>
    private static bool IsWideUnion(Type type) => type.GetField("_arm", BindingFlags.NonPublic | BindingFlags.Instance) is not null;

    /// <summary>
    /// A wide union: a random discriminant, then the one way of building a value that it selects — the void
    /// constructor, or a From method (with the discriminant, or the one whose own label it is) whose arm then answers.
    /// </summary>
    private object NextWideUnion(Type type, int depth)
    {
        var discriminantField = type.GetFields(BindingFlags.Public | BindingFlags.Instance).Single();
        var voidConstructor = type.GetConstructor([discriminantField.FieldType]);
        var makers = type.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.Name.StartsWith("From", StringComparison.Ordinal) && m.GetParameters()[^1].ParameterType.IsByRef)
            .ToList();
        for (int attempt = 0; attempt < 64; attempt++)
        {
            object discriminant = NextMember(discriminantField, discriminantField.FieldType, depth);
            if (voidConstructor is not null && TryBuild(() => voidConstructor.Invoke([discriminant])) is { } empty)
                return empty;
            foreach (var maker in makers)
            {
                var arm = type.GetProperty(maker.Name["From".Length..])!;
                var parameters = maker.GetParameters();
                var armValue = NextMember(arm, parameters[^1].ParameterType.GetElementType()!, depth);
                object? value = TryBuild(() => maker.Invoke(null, parameters.Length == 1 ? [armValue] : [discriminant, armValue]));
                if (value is not null && Equals(discriminantField.GetValue(value), discriminant) && TryBuild(() => arm.GetValue(value)) is not null)
                    return value;
            }
        }
        throw new InvalidOperationException($"No arm of {type.Name} came up in 64 discriminants: list its discriminants in XdrBounds.");
    }

    /// <summary>The value built, or null when the union refuses it (a discriminant that selects another arm).</summary>
    private static object? TryBuild(Func<object?> build)
    {
        try
        {
            return build() ?? new object();
        }
        catch (TargetInvocationException exception) when (exception.InnerException is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>True if <paramref name="codec"/> implements <c>IXdrCodec&lt;<paramref name="value"/>&gt;</c>.</summary>
    public static bool IsCodecOf(Type codec, Type value) => codec.GetInterfaces().Any(i =>
        i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IXdrCodec<>) && i.GetGenericArguments()[0] == value);
}
