using System.Globalization;
using DittoFs.Xdr.Generator.Model;

namespace DittoFs.Xdr.Generator.Emit;

/// <summary>
/// The C# spelling of a resolved type: its C# type, its codec type (for lists and dispatch), and the
/// expressions that read, write and size one value. Every emitter goes through here, so each XDR
/// construct is encoded in exactly one place.
/// </summary>
internal static class TypeSpelling
{
    public static string CsType(TypeRef type) => type switch
    {
        TypeRef.Primitive primitive => Primitive(primitive.Kind),
        TypeRef.FixedOpaque { InlineCapacity: int capacity } => InlineType(capacity),
        TypeRef.VariableOpaque { InlineCapacity: int capacity } => InlineType(capacity),
        TypeRef.FixedOpaque or TypeRef.VariableOpaque or TypeRef.String => "ReadOnlyMemory<byte>",
        TypeRef.Named named => named.Name,
        TypeRef.Alias alias => alias.Name,
        TypeRef.FixedArray array => ListType(array.Element),
        TypeRef.VariableArray array => ListType(array.Element),
        TypeRef.LinkedList list => ListType(list.Node),
        TypeRef.Optional optional => CsType(optional.Target) + "?",
        _ => throw TypeRef.Unhandled(type),
    };

    private static string InlineType(int capacity) => InlineOpaques.TypeName(capacity);

    private static string ListType(TypeRef element) => $"XdrList<{CsType(element)}, {CodecType(element)}>";

    /// <summary>
    /// The codec of a type: the struct, union or typedef itself, an enum's generated codec, a runtime codec for
    /// primitives, or a shared generated codec (see <see cref="SharedCodecName"/>) for opaque, list and optional types.
    /// </summary>
    public static string CodecType(TypeRef type) => type switch
    {
        TypeRef.Named { Kind: NamedKind.Enum } named => named.Name + "Codec",
        TypeRef.Named named => named.Name,
        TypeRef.Alias alias => alias.Name,
        TypeRef.Primitive primitive => "Xdr" + PrimitiveName(primitive.Kind) + "Codec",
        _ => SharedCodecName(type),
    };

    /// <summary>True when <see cref="CodecType"/> names a shared codec that the generator must emit.</summary>
    public static bool NeedsSharedCodec(TypeRef type) => type is not (TypeRef.Named or TypeRef.Alias or TypeRef.Primitive);

    /// <summary>A name derived from the type's shape, so equal shapes share one codec: XdrOpaqueUpTo255Codec.</summary>
    public static string SharedCodecName(TypeRef type) => "Xdr" + Shape(type) + "Codec";

    // A string and an opaque of one bound encode alike, so they share a codec, unless the opaque is held inline.
    private static string Shape(TypeRef type) => type switch
    {
        TypeRef.Primitive primitive => PrimitiveName(primitive.Kind),
        TypeRef.Named named => named.Name,
        TypeRef.Alias alias => alias.Name,
        TypeRef.FixedOpaque opaque => "FixedOpaque" + Number(opaque.Length),
        TypeRef.VariableOpaque { InlineCapacity: not null } opaque => "Inline" + BytesShape(opaque.Bound),
        TypeRef.VariableOpaque opaque => BytesShape(opaque.Bound),
        TypeRef.String text => BytesShape(text.Bound),
        TypeRef.FixedArray array => $"ArrayOf{Number(array.Length)}" + Shape(array.Element),
        TypeRef.VariableArray array => (array.Bound >= TypeRef.Unbounded ? "ListOf" : $"ListUpTo{Number(array.Bound)}Of") + Shape(array.Element),
        TypeRef.LinkedList list => "LinkedListOf" + Shape(list.Node),
        TypeRef.Optional optional => "Optional" + Shape(optional.Target),
        _ => throw TypeRef.Unhandled(type),
    };

    private static string BytesShape(long bound) => bound >= TypeRef.Unbounded ? "Opaque" : "OpaqueUpTo" + Number(bound);

    private static string PrimitiveName(PrimitiveKind kind) => kind switch
    {
        PrimitiveKind.Int32 => "Int32",
        PrimitiveKind.UInt32 => "UInt32",
        PrimitiveKind.Int64 => "Int64",
        PrimitiveKind.UInt64 => "UInt64",
        PrimitiveKind.Bool => "Bool",
        PrimitiveKind.Single => "Single",
        _ => "Double",
    };

    private static string Primitive(PrimitiveKind kind) => kind switch
    {
        PrimitiveKind.Int32 => "int",
        PrimitiveKind.UInt32 => "uint",
        PrimitiveKind.Int64 => "long",
        PrimitiveKind.UInt64 => "ulong",
        PrimitiveKind.Bool => "bool",
        PrimitiveKind.Single => "float",
        _ => "double",
    };

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Bound(long bound) => bound >= TypeRef.Unbounded ? "uint.MaxValue" : Number(bound) + "u";

    /// <summary>An expression reading one value from <c>reader</c>.</summary>
    public static string Read(TypeRef type) => type switch
    {
        TypeRef.Primitive primitive => "reader.Read" + PrimitiveName(primitive.Kind) + "()",
        TypeRef.FixedOpaque { InlineCapacity: int capacity } opaque => $"{InlineType(capacity)}.ReadFixed(ref reader, {Number(opaque.Length)})",
        TypeRef.FixedOpaque opaque => $"reader.ReadFixedOpaque({Number(opaque.Length)})",
        TypeRef.VariableOpaque { InlineCapacity: int capacity } opaque => $"{InlineType(capacity)}.Read(ref reader, {Bound(opaque.Bound)})",
        TypeRef.VariableOpaque opaque => $"reader.ReadOpaque({Bound(opaque.Bound)})",
        TypeRef.String text => $"reader.ReadOpaque({Bound(text.Bound)})",
        TypeRef.Named or TypeRef.Alias => $"{CodecType(type)}.Read(ref reader)",
        TypeRef.FixedArray array => $"{CsType(type)}.ReadFixed(ref reader, {Number(array.Length)})",
        TypeRef.VariableArray array => $"{CsType(type)}.ReadCounted(ref reader, {Bound(array.Bound)})",
        TypeRef.LinkedList => $"{CsType(type)}.ReadLinked(ref reader)",
        TypeRef.Optional optional => $"reader.ReadBool() ? ({CsType(type)}){Read(optional.Target)} : null",
        _ => throw TypeRef.Unhandled(type),
    };

    /// <summary>Statements writing <paramref name="value"/> (a readable expression) to <c>writer</c>.</summary>
    public static void Write(CodeWriter code, TypeRef type, string value)
    {
        if (type is TypeRef.Optional optional)
        {
            code.Line($"writer.WriteBool({value}.HasValue);");
            using (code.Block($"if ({value}.HasValue)"))
                Write(code, optional.Target, $"{value}.GetValueOrDefault()");
        }
        else
        {
            code.Line(WriteCall(type, value) + ";");
        }
    }

    /// <summary>
    /// Writing <paramref name="value"/> as one call, without its semicolon; null for optional data, whose
    /// presence flag and value take an if statement.
    /// </summary>
    public static string? WriteCall(TypeRef type, string value) => type switch
    {
        TypeRef.Primitive primitive => $"writer.Write{PrimitiveName(primitive.Kind)}({value})",
        TypeRef.FixedOpaque opaque => $"writer.WriteFixedOpaque({value}.Span, {Number(opaque.Length)})",
        TypeRef.VariableOpaque opaque => $"writer.WriteOpaque({value}.Span, {Bound(opaque.Bound)})",
        TypeRef.String text => $"writer.WriteOpaque({value}.Span, {Bound(text.Bound)})",
        TypeRef.Named or TypeRef.Alias => $"{CodecType(type)}.Write(ref writer, {value})",
        TypeRef.FixedArray array => $"{value}.WriteFixed(ref writer, {Number(array.Length)})",
        TypeRef.VariableArray array => $"{value}.WriteCounted(ref writer, {Bound(array.Bound)})",
        TypeRef.LinkedList => $"{value}.WriteLinked(ref writer)",
        TypeRef.Optional => null,
        _ => throw TypeRef.Unhandled(type),
    };

    /// <summary>
    /// An expression for the encoded size of <paramref name="value"/>. Only a scalar's is a number: a struct is
    /// sized by its own SizeOf (a number when its size is fixed), so a struct's SizeOf names its own fields only.
    /// </summary>
    public static string Size(TypeRef type, string value) => type.ScalarSize is int size ? Number(size) : type switch
    {
        TypeRef.VariableOpaque or TypeRef.String => $"XdrSize.Opaque({value}.Length)",
        TypeRef.Named named => $"{named.Name}.SizeOf({value})",
        TypeRef.Alias alias => $"{alias.Name}.SizeOf({value})",
        TypeRef.FixedArray => $"{value}.SizeFixed()",
        TypeRef.VariableArray => $"{value}.SizeCounted()",
        TypeRef.LinkedList => $"{value}.SizeLinked()",
        TypeRef.Optional optional => $"({value}.HasValue ? 4 + {Size(optional.Target, value + ".GetValueOrDefault()")} : 4)",
        _ => throw TypeRef.Unhandled(type),
    };
}
