using DittoFs.Xdr.Generator.Diagnostics;

namespace DittoFs.Xdr.Generator.Model;

// The resolved model the emitters read: C# names decided, typedefs resolved, constants evaluated, lists
// recognised. Plain equatable records only (no Roslyn symbols), so an unrelated edit reuses the cache.

internal enum PrimitiveKind { Int32, UInt32, Int64, UInt64, Bool, Single, Double }

internal enum TypeRefKind { Primitive, FixedOpaque, VariableOpaque, Named, List, Optional }

internal enum NamedKind { Struct, Union, Enum }

/// <summary>How an array travels: fixed count, counted with a bound, or as a self-linked list (RFC 4506 §4.19).</summary>
internal enum ListForm { Fixed, Counted, Linked }

/// <summary>
/// A resolved type. <see cref="Size"/> is the fixed length (FixedOpaque, Fixed lists) or the bound
/// (VariableOpaque, Counted lists; <see cref="Unbounded"/> for <c>&lt;&gt;</c>).
/// </summary>
internal sealed record TypeRef(
    TypeRefKind Kind,
    PrimitiveKind Primitive = default,
    long Size = 0,
    string? Name = null,
    NamedKind Named = default,
    TypeRef? Element = null,
    ListForm Form = default)
{
    public const long Unbounded = uint.MaxValue;

    public static TypeRef Of(PrimitiveKind kind) => new(TypeRefKind.Primitive, Primitive: kind);
}

internal sealed record FieldModel(string Name, string WireName, TypeRef Type);

internal sealed record ConstantModel(string Name, string WireName, string File, long Value);

internal sealed record EnumMemberModel(string Name, string WireName, long Value);

internal sealed record EnumModel(string Name, string WireName, string File, EquatableArray<EnumMemberModel> Members);

/// <summary>A struct. A self-linked list node keeps its link out of <see cref="Fields"/>; lists of it carry the links.</summary>
internal sealed record StructModel(string Name, string WireName, string File, EquatableArray<FieldModel> Fields, string? LinkWireName);

/// <summary>One arm: its case labels as C# constant expressions, and its field (null for void).</summary>
internal sealed record ArmModel(EquatableArray<string> Labels, FieldModel? Field);

internal sealed record UnionModel(string Name, string WireName, string File, FieldModel Discriminant, EquatableArray<ArmModel> Arms, ArmModel? Default);

/// <summary>A procedure; a null argument or result is void.</summary>
internal sealed record ProcedureModel(string Name, string WireName, uint Number, TypeRef? Argument, TypeRef? Result);

/// <summary>One version of one program; <see cref="Name"/> is e.g. NfsV3.</summary>
internal sealed record ProgramModel(string Name, string WireProgram, string WireVersion, string File, uint Program, uint Version, EquatableArray<ProcedureModel> Procedures);

internal sealed record XdrModel(
    string Namespace,
    EquatableArray<string> Files,
    EquatableArray<ConstantModel> Constants,
    EquatableArray<EnumModel> Enums,
    EquatableArray<StructModel> Structs,
    EquatableArray<UnionModel> Unions,
    EquatableArray<ProgramModel> Programs,
    EquatableArray<DiagnosticInfo> Diagnostics);
