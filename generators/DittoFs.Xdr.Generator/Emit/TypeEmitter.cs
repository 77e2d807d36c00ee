using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using DittoFs.Xdr.Generator.Model;

namespace DittoFs.Xdr.Generator.Emit;

/// <summary>Emits the data types of one .x file: constants, enums, structs and unions with their codecs.</summary>
internal static class TypeEmitter
{
    private const string Reader = "ref XdrReader reader";
    private const string Writer = "ref XdrWriter writer";

    public static void EmitConstants(CodeWriter code, string className, string file, IEnumerable<ConstantModel> constants)
    {
        code.Line($"/// <summary>Constants of {file}.</summary>");
        using (code.Block($"public static partial class {className}"))
        {
            foreach (var constant in constants)
            {
                code.Line($"/// <summary>XDR <c>const {constant.WireName}</c>.</summary>");
                if (constant.Text is not null)
                {
                    code.Line($"public const string {constant.Name} = {SymbolDisplay.FormatLiteral(constant.Text, quote: true)};");
                    continue;
                }
                string type = constant.Unsigned64 ? "ulong"
                    : constant.Value is >= int.MinValue and <= int.MaxValue ? "int"
                    : constant.Value is >= 0 and <= uint.MaxValue ? "uint" : "long";
                string value = constant.Unsigned64 ? unchecked((ulong)constant.Value).ToString(CultureInfo.InvariantCulture) + "UL" : Number(constant.Value);
                code.Line($"public const {type} {constant.Name} = {value};");
            }
        }
    }

    public static void EmitEnum(CodeWriter code, EnumModel model)
    {
        code.Line($"/// <summary>{Title("enum", model.WireName, model.File)}.</summary>");
        using (code.Block($"public enum {model.Name}"))
        {
            foreach (var member in model.Members)
            {
                code.Line($"/// <summary><c>{member.WireName}</c></summary>");
                code.Line($"{member.Name} = {Number(member.Value)},");
            }
        }
        code.Line();
        code.Line($"/// <summary>Codec of <see cref=\"{model.Name}\"/>: a 32-bit value that must be one the enum declares (RFC 4506 §4.3).</summary>");
        using (code.Block($"public readonly struct {model.Name}Codec : IXdrCodec<{model.Name}>"))
        {
            using (code.Block($"public static {model.Name} Read({Reader})"))
            {
                code.Line($"var value = ({model.Name})reader.ReadInt32();");
                code.Line("reader.Require(IsDefined(value), XdrError.UnknownEnumValue);");
                code.Line("return value;");
            }
            code.Line($"public static void Write({Writer}, in {model.Name} value) => writer.WriteInt32((int)value);");
            code.Line($"public static int SizeOf(in {model.Name} value) => {Number(EnumModel.FixedSize)};");
            EmitFixedSize(code, EnumModel.FixedSize);
            var values = model.Members.Select(m => Number(m.Value)).Distinct().ToList();
            string test = values.Count == 0 ? "false" : string.Join(" or ", values);
            code.Line($"public static bool IsDefined({model.Name} value) => (int)value is {test};");
        }
    }

    /// <summary>
    /// A typedef of a primitive, opaque or string: a struct wrapping the value, converting to and from it implicitly
    /// (so code written against the wrapped type mostly still compiles), whose codec is the wrapped type's.
    /// </summary>
    public static void EmitAlias(CodeWriter code, AliasModel model)
    {
        var target = model.Target;
        string wrapped = TypeSpelling.CsType(target);
        bool bytes = target is not TypeRef.Primitive;
        bool formattable = target is TypeRef.Primitive { Kind: not PrimitiveKind.Bool };
        code.Line($"/// <summary>{Title("typedef", model.WireName, model.File)}: wraps <c>{System.Security.SecurityElement.Escape(wrapped)}</c> under its own name, converting to and from it implicitly.</summary>");
        using (code.Block($"public readonly record struct {model.Name} : IXdrCodec<{model.Name}>{(formattable ? ", IFormattable" : "")}"))
        {
            code.Line($"public readonly {wrapped} Value;");
            code.Line();
            code.Line($"public {model.Name}({wrapped} value) => Value = value;");
            code.Line();
            code.Line($"public static implicit operator {model.Name}({wrapped} value) => new(value);");
            code.Line($"public static implicit operator {wrapped}({model.Name} value) => value.Value;");
            if (bytes)
            {
                code.Line("/// <summary>From an array as the wrapped type takes one, so assigning an array stays one conversion.</summary>");
                code.Line($"public static implicit operator {model.Name}(byte[]? bytes) => new(bytes);");
                code.Line();
                // An inline opaque's span points into the value itself, so into this struct.
                if (wrapped.StartsWith("InlineOpaque", System.StringComparison.Ordinal))
                    code.Line("[System.Diagnostics.CodeAnalysis.UnscopedRef]");
                code.Line("public ReadOnlySpan<byte> Span => Value.Span;");
                code.Line("public int Length => Value.Length;");
                code.Line("public byte[] ToArray() => Value.ToArray();");
            }
            code.Line();
            code.Line($"public static {model.Name} Read({Reader}) => new({TypeSpelling.Read(target)});");
            code.Line($"public static void Write({Writer}, in {model.Name} value) => {TypeSpelling.WriteCall(target, "value.Value")};");
            code.Line($"public static int SizeOf(in {model.Name} value) => {TypeSpelling.Size(target, "value.Value")};");
            if (target.ScalarSize is int size)
                EmitFixedSize(code, size);
            code.Line();
            code.Line("public override string ToString() => Value.ToString();");
            if (formattable)
            {
                // The primitive's ToString overloads, so formatting code written against it keeps working.
                code.Line("public string ToString(string? format) => Value.ToString(format);");
                code.Line("public string ToString(IFormatProvider? formatProvider) => Value.ToString(formatProvider);");
                code.Line("public string ToString(string? format, IFormatProvider? formatProvider) => Value.ToString(format, formatProvider);");
            }
        }
    }

    public static void EmitStruct(CodeWriter code, StructModel model)
    {
        string link = model.LinkWireName is null ? "" : $" A self-linked list node: its link <c>{model.LinkWireName}</c> is carried by the XdrList that holds it.";
        code.Line($"/// <summary>{Title("struct", model.WireName, model.File)}.{link}</summary>");
        using (code.Block($"public partial struct {model.Name} : IXdrCodec<{model.Name}>"))
        {
            foreach (var field in model.Fields)
                EmitField(code, field);
            code.Line();
            using (code.Block($"public static {model.Name} Read({Reader})"))
            {
                code.Line($"{model.Name} value = default;");
                foreach (var field in model.Fields)
                    code.Line($"value.{field.Name} = {TypeSpelling.Read(field.Type)};");
                code.Line("return value;");
            }
            code.Line();
            using (code.Block($"public static void Write({Writer}, in {model.Name} value)"))
            {
                foreach (var field in model.Fields)
                    TypeSpelling.Write(code, field.Type, "value." + field.Name);
            }
            code.Line();
            EmitSizeOf(code, model.Name, SizesOf(model.Fields));
            if (model.FixedSize is int fixedSize)
            {
                code.Line();
                EmitFixedSize(code, fixedSize);
            }
        }
    }

    public static void EmitUnion(CodeWriter code, UnionModel model)
    {
        if (model.IsWide)
        {
            EmitWideUnion(code, model);
            return;
        }
        var discriminant = model.Discriminant;
        code.Line($"/// <summary>{Title("union", model.WireName, model.File)}, switched on <c>{discriminant.WireName}</c>.</summary>");
        using (code.Block($"public partial struct {model.Name} : IXdrCodec<{model.Name}>"))
        {
            EmitField(code, discriminant);
            var armFields = model.ArmFields.Where(f => f != discriminant).Distinct().ToList();
            foreach (var field in armFields)
                EmitField(code, field);
            code.Line();
            string on = "value." + discriminant.Name;

            using (code.Block($"public static {model.Name} Read({Reader})"))
            {
                code.Line($"{model.Name} value = default;");
                code.Line($"{on} = {TypeSpelling.Read(discriminant.Type)};");
                EmitSwitch(code, model, on,
                    field => code.Line($"value.{field.Name} = {TypeSpelling.Read(field.Type)};"),
                    () => code.Line("reader.Fail(XdrError.UnknownDiscriminant);"));
                code.Line("return value;");
            }
            code.Line();
            using (code.Block($"public static void Write({Writer}, in {model.Name} value)"))
            {
                TypeSpelling.Write(code, discriminant.Type, on);
                EmitSwitch(code, model, on,
                    field => TypeSpelling.Write(code, field.Type, "value." + field.Name),
                    () => code.Line($"throw new ArgumentException(\"{model.WireName}: no arm for discriminant \" + {on});"),
                    noArmThrows: true);
            }
            code.Line();
            using (code.Block($"public static int SizeOf(in {model.Name} value)"))
            {
                code.Line("int size = 4;");
                EmitSwitch(code, model, on,
                    field => code.Line($"size += {TypeSpelling.Size(field.Type, "value." + field.Name)};"),
                    () => { });
                code.Line("return size;");
            }
        }
    }

    /// <summary>
    /// A wide union (<see cref="UnionModel.IsWide"/>): a readonly view holding its discriminant and either its arm's
    /// encoded bytes (decoded; checked when read, decoded again by the arm's property) or an XdrArm box with the arm
    /// (built with a From method). Its size is that of three fields, whatever its arms.
    /// </summary>
    private static void EmitWideUnion(CodeWriter code, UnionModel model)
    {
        var discriminant = model.Discriminant;
        string discriminantType = TypeSpelling.CsType(discriminant.Type);
        string d = discriminant.Name;
        code.Line($"/// <summary>");
        code.Line($"/// {Title("union", model.WireName, model.File)}, switched on <c>{discriminant.WireName}</c>. A wide union: its discriminant and one");
        code.Line("/// arm, the arm's bytes when decoded (read by the arm's property) or an <see cref=\"XdrArm{T}\"/> when built (<c>From…</c>).");
        code.Line($"/// </summary>");
        using (code.Block($"public readonly partial struct {model.Name} : IXdrCodec<{model.Name}>"))
        {
            code.Line($"/// <summary><c>{discriminant.WireName}</c></summary>");
            code.Line($"public readonly {discriminantType} {d};");
            code.Line("private readonly object? _arm;");
            code.Line("private readonly ReadOnlyMemory<byte> _encoded;");
            code.Line();
            using (code.Block($"private {model.Name}({discriminantType} discriminant, object? arm, ReadOnlyMemory<byte> encoded)"))
            {
                code.Line($"{d} = discriminant;");
                code.Line("_arm = arm;");
                code.Line("_encoded = encoded;");
            }
            code.Line();
            EmitWideVoidConstructor(code, model, discriminantType);
            code.Line();
            code.Line("/// <summary>");
            code.Line("/// A value whose arm is already encoded (a cached reply, a result that is only a status): <paramref name=\"arm\"/> must");
            code.Line("/// be the encoding of the arm <paramref name=\"discriminant\"/> selects; it is written as it is, unchecked.");
            code.Line("/// </summary>");
            code.Line($"public static {model.Name} FromEncoded({discriminantType} discriminant, ReadOnlyMemory<byte> arm) => new(discriminant, null, arm);");
            var fields = model.ArmFields.Where(f => f != discriminant).Distinct().ToList();
            foreach (var field in fields)
                EmitWideArm(code, model, field, discriminantType);

            code.Line();
            using (code.Block($"public static {model.Name} Read({Reader})"))
            {
                code.Line($"var discriminant = {TypeSpelling.Read(discriminant.Type)};");
                code.Line("int start = reader.Position;");
                EmitSwitch(code, model, "discriminant",
                    field => code.Line($"XdrArm.Check<{Arm(field)}>(ref reader);"),
                    () => code.Line("reader.Fail(XdrError.UnknownDiscriminant);"));
                code.Line($"return new {model.Name}(discriminant, null, reader.SliceFrom(start));");
            }
            code.Line();
            using (code.Block($"public static void Write({Writer}, in {model.Name} value)"))
            {
                TypeSpelling.Write(code, discriminant.Type, "value." + d);
                using (code.Block("if (value._arm is null)"))
                {
                    code.Line("writer.WriteEncoded(value._encoded.Span); // decoded, or a void arm");
                    code.Line("return;");
                }
                EmitSwitch(code, model, "value." + d,
                    field => code.Line($"XdrArm.Write<{Arm(field)}>(ref writer, value._arm);"),
                    () => code.Line($"throw new ArgumentException(\"{model.WireName}: no arm for discriminant \" + value.{d});"),
                    noArmThrows: true);
            }
            code.Line();
            using (code.Block($"public static int SizeOf(in {model.Name} value)"))
            {
                code.Line("if (value._arm is null)");
                code.Line("    return 4 + value._encoded.Length;");
                code.Line("int size = 4;");
                EmitSwitch(code, model, "value." + d,
                    field => code.Line($"size += XdrArm.SizeOf<{Arm(field)}>(value._arm);"),
                    () => { });
                code.Line("return size;");
            }
        }
    }

    /// <summary>The constructor of a value whose arm is void; none when no arm is.</summary>
    private static void EmitWideVoidConstructor(CodeWriter code, UnionModel model, string discriminantType)
    {
        string voidLabels = string.Join(" or ", model.Arms.Where(a => a.Field is null).SelectMany(a => a.Labels));
        string dataLabels = string.Join(" or ", model.Arms.Where(a => a.Field is not null).SelectMany(a => a.Labels));
        string? refused = model.Default is { Field: null } ? $"discriminant is {dataLabels}"
            : voidLabels.Length > 0 ? $"discriminant is not ({voidLabels})"
            : null;
        if (refused is null)
            return;
        code.Line("/// <summary>A value whose discriminant selects a void arm; any other throws <see cref=\"ArgumentException\"/>.</summary>");
        using (code.Block($"public {model.Name}({discriminantType} discriminant) : this(discriminant, null, default)"))
        {
            code.Line($"if ({refused})");
            code.Line($"    throw XdrArm.NeedsArm(\"{model.WireName}\", discriminant);");
        }
    }

    /// <summary>The type arguments of the XdrArm helpers for an arm: its C# type and its codec.</summary>
    private static string Arm(FieldModel field) => $"{TypeSpelling.CsType(field.Type)}, {TypeSpelling.CodecType(field.Type)}";

    /// <summary>One arm of a wide union: its property, and the From methods that build a value holding it.</summary>
    private static void EmitWideArm(CodeWriter code, UnionModel model, FieldModel field, string discriminantType)
    {
        string type = TypeSpelling.CsType(field.Type);
        var labels = model.Arms.Where(a => a.Field == field).SelectMany(a => a.Labels).ToList();
        bool isDefault = model.Default?.Field == field;
        code.Line();
        // The arm's labels, or for the default arm every label of the other arms.
        string selects = isDefault
            ? $"{model.Discriminant.Name} is not ({string.Join(" or ", model.Arms.Where(a => a.Field != field).SelectMany(a => a.Labels))})"
            : $"{model.Discriminant.Name} is {string.Join(" or ", labels)}";
        code.Line($"/// <summary><c>{field.WireName}</c>; throws <see cref=\"InvalidOperationException\"/> if the discriminant selects another arm.</summary>");
        code.Line($"public {type} {field.Name} => {selects}");
        code.Line($"    ? XdrArm.Get<{Arm(field)}>(_arm, _encoded)");
        code.Line($"    : throw XdrArm.WrongArm(\"{model.WireName}\", \"{field.WireName}\", {model.Discriminant.Name});");
        if (labels.Count == 1 && !isDefault)
        {
            code.Line($"/// <summary>A value of arm <c>{field.WireName}</c> holding <paramref name=\"arm\"/>, whose value is read when encoded (reuse it: nothing is allocated).</summary>");
            code.Line($"public static {model.Name} From{field.Name}(XdrArm<{type}> arm) => new({labels[0]}, arm, default);");
            code.Line($"/// <summary>A value of arm <c>{field.WireName}</c> holding a copy of <paramref name=\"value\"/> (allocates its box).</summary>");
            code.Line($"public static {model.Name} From{field.Name}(in {type} value) => new({labels[0]}, new XdrArm<{type}>(value), default);");
            return;
        }
        // Several labels, or the default arm: the discriminant says which; the encoder refuses one that selects another arm.
        code.Line($"/// <summary>A value of arm <c>{field.WireName}</c> for <paramref name=\"discriminant\"/>, holding <paramref name=\"arm\"/> (read when encoded).</summary>");
        code.Line($"public static {model.Name} From{field.Name}({discriminantType} discriminant, XdrArm<{type}> arm) => new(discriminant, arm, default);");
        code.Line($"/// <summary>A value of arm <c>{field.WireName}</c> for <paramref name=\"discriminant\"/>, holding a copy of <paramref name=\"value\"/>.</summary>");
        code.Line($"public static {model.Name} From{field.Name}({discriminantType} discriminant, in {type} value) => new(discriminant, new XdrArm<{type}>(value), default);");
    }

    /// <summary>The switch over a union's discriminant, shared by Read, Write and SizeOf.</summary>
    private static void EmitSwitch(CodeWriter code, UnionModel model, string on, System.Action<FieldModel> arm, System.Action noArm, bool noArmThrows = false)
    {
        using (code.Block($"switch ({on})"))
        {
            foreach (var caseArm in model.Arms.Where(a => a.Labels.Count > 0))
            {
                foreach (var label in caseArm.Labels)
                    code.Line($"case {label}:");
                code.Indent();
                if (caseArm.Field is not null)
                    arm(caseArm.Field);
                code.Line("break;");
                code.Outdent();
            }
            bool complete = model.Arms.Sum(a => a.Labels.Count) == 2 && model.Discriminant.Type is TypeRef.Primitive { Kind: PrimitiveKind.Bool };
            if (complete)
                return; // both booleans have arms: a default would be unreachable
            code.Line("default:");
            code.Indent();
            if (model.Default is null)
                noArm();
            else if (model.Default.Field is not null)
                arm(model.Default.Field);
            if (model.Default is not null || !noArmThrows)
                code.Line("break;");
            code.Outdent();
        }
    }

    private static void EmitField(CodeWriter code, FieldModel field)
    {
        code.Line($"/// <summary><c>{field.WireName}</c></summary>");
        code.Line($"public {TypeSpelling.CsType(field.Type)} {field.Name};");
    }

    /// <summary>A codec for an opaque, list or optional type used as a list element or procedure type.</summary>
    public static void EmitSharedCodec(CodeWriter code, TypeRef type)
    {
        string cs = TypeSpelling.CsType(type);
        string name = TypeSpelling.SharedCodecName(type);
        code.Line($"/// <summary>Codec of <c>{System.Security.SecurityElement.Escape(cs)}</c> where a codec type is needed (list elements, procedure types).</summary>");
        using (code.Block($"public readonly struct {name} : IXdrCodec<{cs}>"))
        {
            code.Line($"public static {cs} Read({Reader}) => {TypeSpelling.Read(type)};");
            if (TypeSpelling.WriteCall(type, "value") is string call)
            {
                code.Line($"public static void Write({Writer}, in {cs} value) => {call};");
            }
            else
            {
                using (code.Block($"public static void Write({Writer}, in {cs} value)"))
                    TypeSpelling.Write(code, type, "value");
            }
            code.Line($"public static int SizeOf(in {cs} value) => {TypeSpelling.Size(type, "value")};");
        }
    }

    public static string FileName(string path) => System.IO.Path.GetFileName(path);

    /// <summary>"XDR <c>struct holder</c> (showcase.x)"; a type declared inline is named by where it is declared.</summary>
    private static string Title(string keyword, string wireName, string file) => wireName.IndexOf('.') >= 0
        ? $"XDR <c>{keyword}</c> declared inline as <c>{wireName}</c> ({FileName(file)})"
        : $"XDR <c>{keyword} {wireName}</c> ({FileName(file)})";

    /// <summary>SizeOf as one expression, broken into one term per line when it gets long.</summary>
    private static void EmitSizeOf(CodeWriter code, string type, IReadOnlyList<string> terms)
    {
        string header = $"public static int SizeOf(in {type} value) =>";
        string sum = string.Join(" + ", terms);
        if (header.Length + sum.Length < 120)
        {
            code.Line($"{header} {sum};");
            return;
        }
        code.Line(header);
        code.Indent();
        for (int i = 0; i < terms.Count; i++)
            code.Line((i == 0 ? "" : "+ ") + terms[i] + (i == terms.Count - 1 ? ";" : ""));
        code.Outdent();
    }

    /// <summary>Callers reserve buffer space or check lengths with it, without a value at hand.</summary>
    private static void EmitFixedSize(CodeWriter code, int size)
    {
        code.Line("/// <summary>The encoded size of every value, in bytes: what SizeOf returns, as a constant.</summary>");
        code.Line($"public const int FixedSize = {Number(size)};");
    }

    /// <summary>The terms of a struct's encoded size: its scalar fields added up into one number, then the others.</summary>
    private static IReadOnlyList<string> SizesOf(IEnumerable<FieldModel> fields)
    {
        long fixedSize = 0;
        var variable = new List<string>();
        foreach (var field in fields)
        {
            if (field.Type.ScalarSize is int size)
                fixedSize += size;
            else
                variable.Add(TypeSpelling.Size(field.Type, "value." + field.Name));
        }
        if (fixedSize > 0 || variable.Count == 0)
            variable.Insert(0, Number(fixedSize));
        return variable;
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
