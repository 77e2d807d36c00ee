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
    public static string CsType(TypeRef type) => type.Kind switch
    {
        TypeRefKind.Primitive => Primitive(type.Primitive),
        TypeRefKind.FixedOpaque or TypeRefKind.VariableOpaque => "ReadOnlyMemory<byte>",
        TypeRefKind.Named => type.Name!,
        TypeRefKind.List => $"XdrList<{CsType(type.Element!)}, {CodecType(type.Element!)}>",
        _ => CsType(type.Element!) + "?",
    };

    /// <summary>
    /// The codec of a type: the struct or union itself, an enum's generated codec, a runtime codec for
    /// primitives, or a shared generated codec (see <see cref="SharedCodecName"/>) for opaque, list and optional types.
    /// </summary>
    public static string CodecType(TypeRef type) => type.Kind switch
    {
        TypeRefKind.Named when type.Named == NamedKind.Enum => type.Name + "Codec",
        TypeRefKind.Named => type.Name!,
        TypeRefKind.Primitive => "Xdr" + PrimitiveName(type.Primitive) + "Codec",
        _ => SharedCodecName(type),
    };

    /// <summary>True when <see cref="CodecType"/> names a shared codec that the generator must emit.</summary>
    public static bool NeedsSharedCodec(TypeRef type) => type.Kind is not (TypeRefKind.Named or TypeRefKind.Primitive);

    /// <summary>A name derived from the type's shape, so equal shapes share one codec: XdrOpaqueUpTo255Codec.</summary>
    public static string SharedCodecName(TypeRef type) => "Xdr" + Shape(type) + "Codec";

    private static string Shape(TypeRef type) => type.Kind switch
    {
        TypeRefKind.Primitive => PrimitiveName(type.Primitive),
        TypeRefKind.Named => type.Name!,
        TypeRefKind.FixedOpaque => "FixedOpaque" + Number(type.Size),
        TypeRefKind.VariableOpaque => type.Size >= TypeRef.Unbounded ? "Opaque" : "OpaqueUpTo" + Number(type.Size),
        TypeRefKind.List => type.Form switch
        {
            ListForm.Fixed => $"ArrayOf{Number(type.Size)}",
            ListForm.Counted => type.Size >= TypeRef.Unbounded ? "ListOf" : $"ListUpTo{Number(type.Size)}Of",
            _ => "LinkedListOf",
        } + Shape(type.Element!),
        _ => "Optional" + Shape(type.Element!),
    };

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
    public static string Read(TypeRef type) => type.Kind switch
    {
        TypeRefKind.Primitive => "reader." + type.Primitive switch
        {
            PrimitiveKind.Int32 => "ReadInt32()",
            PrimitiveKind.UInt32 => "ReadUInt32()",
            PrimitiveKind.Int64 => "ReadInt64()",
            PrimitiveKind.UInt64 => "ReadUInt64()",
            PrimitiveKind.Bool => "ReadBool()",
            PrimitiveKind.Single => "ReadSingle()",
            _ => "ReadDouble()",
        },
        TypeRefKind.FixedOpaque => $"reader.ReadFixedOpaque({Number(type.Size)})",
        TypeRefKind.VariableOpaque => $"reader.ReadOpaque({Bound(type.Size)})",
        TypeRefKind.Named => $"{CodecType(type)}.Read(ref reader)",
        TypeRefKind.List => type.Form switch
        {
            ListForm.Fixed => $"{CsType(type)}.ReadFixed(ref reader, {Number(type.Size)})",
            ListForm.Counted => $"{CsType(type)}.ReadCounted(ref reader, {Bound(type.Size)})",
            _ => $"{CsType(type)}.ReadLinked(ref reader)",
        },
        _ => $"reader.ReadBool() ? ({CsType(type)}){Read(type.Element!)} : null",
    };

    /// <summary>Statements writing <paramref name="value"/> (a readable expression) to <c>writer</c>.</summary>
    public static void Write(CodeWriter code, TypeRef type, string value)
    {
        switch (type.Kind)
        {
            case TypeRefKind.Primitive:
                code.Line("writer." + type.Primitive switch
                {
                    PrimitiveKind.Int32 => "WriteInt32",
                    PrimitiveKind.UInt32 => "WriteUInt32",
                    PrimitiveKind.Int64 => "WriteInt64",
                    PrimitiveKind.UInt64 => "WriteUInt64",
                    PrimitiveKind.Bool => "WriteBool",
                    PrimitiveKind.Single => "WriteSingle",
                    _ => "WriteDouble",
                } + $"({value});");
                break;
            case TypeRefKind.FixedOpaque:
                code.Line($"writer.WriteFixedOpaque({value}.Span, {Number(type.Size)});");
                break;
            case TypeRefKind.VariableOpaque:
                code.Line($"writer.WriteOpaque({value}.Span, {Bound(type.Size)});");
                break;
            case TypeRefKind.Named:
                code.Line($"{CodecType(type)}.Write(ref writer, {value});");
                break;
            case TypeRefKind.List:
                code.Line(type.Form switch
                {
                    ListForm.Fixed => $"{value}.WriteFixed(ref writer, {Number(type.Size)});",
                    ListForm.Counted => $"{value}.WriteCounted(ref writer, {Bound(type.Size)});",
                    _ => $"{value}.WriteLinked(ref writer);",
                });
                break;
            default:
                code.Line($"writer.WriteBool({value}.HasValue);");
                using (code.Block($"if ({value}.HasValue)"))
                    Write(code, type.Element!, $"{value}.GetValueOrDefault()");
                break;
        }
    }

    /// <summary>An expression for the encoded size of <paramref name="value"/>.</summary>
    public static string Size(TypeRef type, string value) => type.Kind switch
    {
        TypeRefKind.Primitive => type.Primitive is PrimitiveKind.Int64 or PrimitiveKind.UInt64 or PrimitiveKind.Double ? "8" : "4",
        TypeRefKind.FixedOpaque => Number((type.Size + 3) & ~3L),
        TypeRefKind.VariableOpaque => $"XdrSize.Opaque({value}.Length)",
        TypeRefKind.Named when type.Named == NamedKind.Enum => "4",
        TypeRefKind.Named => $"{type.Name}.SizeOf({value})",
        TypeRefKind.List => type.Form switch
        {
            ListForm.Fixed => $"{value}.SizeFixed()",
            ListForm.Counted => $"{value}.SizeCounted()",
            _ => $"{value}.SizeLinked()",
        },
        _ => $"({value}.HasValue ? 4 + {Size(type.Element!, value + ".GetValueOrDefault()")} : 4)",
    };
}
