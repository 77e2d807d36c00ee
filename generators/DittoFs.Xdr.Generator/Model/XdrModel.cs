using System.Collections.Generic;
using System.Linq;
using DittoFs.Xdr.Generator.Diagnostics;

namespace DittoFs.Xdr.Generator.Model;

// The resolved model the emitters read: C# names decided, typedefs resolved, constants evaluated, lists
// recognised. Plain equatable records only (no Roslyn symbols), so an unrelated edit reuses the cache.

internal sealed record FieldModel(string Name, string WireName, TypeRef Type);

/// <summary>A constant: a number (<see cref="Unsigned64"/>: above long.MaxValue, <see cref="Value"/> holding its bits), or a string (<see cref="Text"/>).</summary>
internal sealed record ConstantModel(string Name, string WireName, string File, long Value, bool Unsigned64 = false, string? Text = null);

internal sealed record EnumMemberModel(string Name, string WireName, long Value);

internal sealed record EnumModel(string Name, string WireName, string File, EquatableArray<EnumMemberModel> Members)
{
    /// <summary>An enum travels as a 32-bit int (RFC 4506 §4.3).</summary>
    public const int FixedSize = 4;
}

/// <summary>A typedef generated as a wrapper struct (<see cref="TypeRef.Alias"/>); <see cref="Target"/> is a primitive, opaque or string.</summary>
internal sealed record AliasModel(string Name, string WireName, string File, TypeRef Target);

/// <summary>A struct. A self-linked list node keeps its link out of <see cref="Fields"/>; lists of it carry the links.</summary>
internal sealed record StructModel(string Name, string WireName, string File, EquatableArray<FieldModel> Fields, string? LinkWireName)
{
    /// <summary>The encoded size of every value, when it is the same for all (<see cref="Model.FixedSizes"/>); else null.</summary>
    public int? FixedSize { get; init; }
}

/// <summary>One arm: its case labels as C# constant expressions, and its field (null for void).</summary>
internal sealed record ArmModel(EquatableArray<string> Labels, FieldModel? Field);

internal sealed record UnionModel(string Name, string WireName, string File, FieldModel Discriminant, EquatableArray<ArmModel> Arms, ArmModel? Default)
{
    /// <summary>The fields of the case arms, then of the default arm; void arms have none.</summary>
    public IEnumerable<FieldModel> ArmFields =>
        Arms.Concat(Default is null ? Enumerable.Empty<ArmModel>() : new[] { Default }).SelectMany(arm => arm.Field is null ? Enumerable.Empty<FieldModel>() : new[] { arm.Field });

    /// <summary>The most arms with data a union has and is still a struct with every arm side by side (DittoFs.Xdr's XdrArm.WideArmCount).</summary>
    public const int WideArmCount = 8;

    /// <summary>
    /// Whether the union is generated as a view (its discriminant and one arm, encoded or built) rather than a struct
    /// of all its arms: past <see cref="WideArmCount"/> arms with data, the struct would be the size of them all.
    /// </summary>
    public bool IsWide => ArmFields.Distinct().Count() > WideArmCount;
}

/// <summary>A procedure; a null argument or result is void.</summary>
internal sealed record ProcedureModel(string Name, string WireName, uint Number, TypeRef? Argument, TypeRef? Result);

/// <summary>One version of one program; <see cref="Name"/> is e.g. NfsV3.</summary>
internal sealed record ProgramModel(string Name, string WireProgram, string WireVersion, string File, uint Program, uint Version, EquatableArray<ProcedureModel> Procedures);

internal sealed record XdrModel(
    string Namespace,
    EquatableArray<string> Files,
    EquatableArray<ConstantModel> Constants,
    EquatableArray<EnumModel> Enums,
    EquatableArray<AliasModel> Aliases,
    EquatableArray<StructModel> Structs,
    EquatableArray<UnionModel> Unions,
    EquatableArray<ProgramModel> Programs,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>Put before the hint names of this model's sources: "" for the RootNamespace, else the namespace and a dot.</summary>
    public string HintPrefix { get; init; } = "";

    /// <summary>True when its errors were reported by another namespace's model (a file included in both): not emitted either.</summary>
    public bool Blocked { get; init; }
}
