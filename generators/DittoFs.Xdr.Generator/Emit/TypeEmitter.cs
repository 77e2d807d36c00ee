using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DittoFs.Xdr.Generator.Model;

namespace DittoFs.Xdr.Generator.Emit;

/// <summary>Emits the data types of one .x file: constants, enums, structs and unions with their codecs.</summary>
internal static class TypeEmitter
{
    private const string Reader = "ref global::DittoFs.Xdr.XdrReader reader";
    private const string Writer = "ref global::DittoFs.Xdr.XdrWriter writer";

    public static void EmitConstants(CodeWriter code, string className, string file, IEnumerable<ConstantModel> constants)
    {
        code.Line($"/// <summary>Constants of {file}.</summary>");
        using (code.Block($"public static partial class {className}"))
        {
            foreach (var constant in constants)
            {
                string type = constant.Value is >= int.MinValue and <= int.MaxValue ? "int"
                    : constant.Value is >= 0 and <= uint.MaxValue ? "uint" : "long";
                code.Line($"/// <summary>XDR <c>const {constant.WireName}</c>.</summary>");
                code.Line($"public const {type} {constant.Name} = {Number(constant.Value)};");
            }
        }
    }

    public static void EmitEnum(CodeWriter code, EnumModel model)
    {
        code.Line($"/// <summary>XDR <c>enum {model.WireName}</c> ({FileName(model.File)}).</summary>");
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
        using (code.Block($"public readonly struct {model.Name}Codec : global::DittoFs.Xdr.IXdrCodec<{model.Name}>"))
        {
            using (code.Block($"public static {model.Name} Read({Reader})"))
            {
                code.Line($"var value = ({model.Name})reader.ReadInt32();");
                code.Line("reader.Require(IsDefined(value), global::DittoFs.Xdr.XdrError.UnknownEnumValue);");
                code.Line("return value;");
            }
            code.Line($"public static void Write({Writer}, in {model.Name} value) => writer.WriteInt32((int)value);");
            code.Line($"public static int SizeOf(in {model.Name} value) => 4;");
            var values = model.Members.Select(m => Number(m.Value)).Distinct().ToList();
            string test = values.Count == 0 ? "false" : string.Join(" or ", values);
            code.Line($"public static bool IsDefined({model.Name} value) => (int)value is {test};");
        }
    }

    public static void EmitStruct(CodeWriter code, StructModel model)
    {
        string link = model.LinkWireName is null ? "" : $" A self-linked list node: its link <c>{model.LinkWireName}</c> is carried by the XdrList that holds it.";
        code.Line($"/// <summary>XDR <c>struct {model.WireName}</c> ({FileName(model.File)}).{link}</summary>");
        using (code.Block($"public partial struct {model.Name} : global::DittoFs.Xdr.IXdrCodec<{model.Name}>"))
        {
            foreach (var field in model.Fields)
                EmitField(code, field);
            code.Line();
            using (code.Block($"public static {model.Name} Read({Reader})"))
            {
                code.Line($"{model.Name} value = default;");
                foreach (var field in model.Fields)
                    code.Line($"value.{field.Name} = {TypeCode.Read(field.Type)};");
                code.Line("return value;");
            }
            code.Line();
            using (code.Block($"public static void Write({Writer}, in {model.Name} value)"))
            {
                foreach (var field in model.Fields)
                    TypeCode.Write(code, field.Type, "value." + field.Name);
            }
            code.Line();
            var sizes = model.Fields.Select(f => TypeCode.Size(f.Type, "value." + f.Name)).ToList();
            code.Line($"public static int SizeOf(in {model.Name} value) => {(sizes.Count == 0 ? "0" : string.Join(" + ", sizes))};");
        }
    }

    public static void EmitUnion(CodeWriter code, UnionModel model)
    {
        var discriminant = model.Discriminant;
        code.Line($"/// <summary>XDR <c>union {model.WireName}</c> ({FileName(model.File)}), switched on <c>{discriminant.WireName}</c>.</summary>");
        using (code.Block($"public partial struct {model.Name} : global::DittoFs.Xdr.IXdrCodec<{model.Name}>"))
        {
            EmitField(code, discriminant);
            var armFields = model.Arms.Concat(model.Default is null ? Enumerable.Empty<ArmModel>() : new[] { model.Default })
                .Where(a => a.Field is not null && a.Field != discriminant).Select(a => a.Field!).Distinct().ToList();
            foreach (var field in armFields)
                EmitField(code, field);
            code.Line();
            string on = "value." + discriminant.Name;

            using (code.Block($"public static {model.Name} Read({Reader})"))
            {
                code.Line($"{model.Name} value = default;");
                code.Line($"{on} = {TypeCode.Read(discriminant.Type)};");
                EmitSwitch(code, model, on,
                    field => code.Line($"value.{field.Name} = {TypeCode.Read(field.Type)};"),
                    () => code.Line("reader.Fail(global::DittoFs.Xdr.XdrError.UnknownDiscriminant);"));
                code.Line("return value;");
            }
            code.Line();
            using (code.Block($"public static void Write({Writer}, in {model.Name} value)"))
            {
                TypeCode.Write(code, discriminant.Type, on);
                EmitSwitch(code, model, on,
                    field => TypeCode.Write(code, field.Type, "value." + field.Name),
                    () => code.Line($"throw new global::System.ArgumentException(\"{model.WireName}: no arm for discriminant \" + {on});"),
                    noArmThrows: true);
            }
            code.Line();
            using (code.Block($"public static int SizeOf(in {model.Name} value)"))
            {
                code.Line("int size = 4;");
                EmitSwitch(code, model, on,
                    field => code.Line($"size += {TypeCode.Size(field.Type, "value." + field.Name)};"),
                    () => { });
                code.Line("return size;");
            }
        }
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
            bool complete = model.Arms.Sum(a => a.Labels.Count) == 2 && model.Discriminant.Type is { Kind: TypeRefKind.Primitive, Primitive: PrimitiveKind.Bool };
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
        code.Line($"public {TypeCode.CsType(field.Type)} {field.Name};");
    }

    /// <summary>A codec for an opaque, list or optional type used as a list element or procedure type.</summary>
    public static void EmitSharedCodec(CodeWriter code, TypeRef type)
    {
        string cs = TypeCode.CsType(type);
        string name = TypeCode.SharedCodecName(type);
        code.Line($"/// <summary>Codec of <c>{System.Security.SecurityElement.Escape(cs)}</c> where a codec type is needed (list elements, procedure types).</summary>");
        using (code.Block($"public readonly struct {name} : global::DittoFs.Xdr.IXdrCodec<{cs}>"))
        {
            code.Line($"public static {cs} Read({Reader}) => {TypeCode.Read(type)};");
            using (code.Block($"public static void Write({Writer}, in {cs} value)"))
                TypeCode.Write(code, type, "value");
            code.Line($"public static int SizeOf(in {cs} value) => {TypeCode.Size(type, "value")};");
        }
    }

    public static string FileName(string path) => System.IO.Path.GetFileName(path);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
