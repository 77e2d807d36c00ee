namespace DittoFs.Xdr.Generator.Parsing;

// The syntax tree of a .x file, as written (RFC 4506 §6.3 and RFC 5531 §12). Names are unresolved here;
// the model builder resolves them. Records with EquatableArray keep every node value-equatable.

/// <summary>Where a node starts: absolute offset, 1-based line and column.</summary>
internal sealed record SourcePosition(int Offset, int Line, int Column);

internal abstract record ValueSyntax(SourcePosition Position);
/// <summary>A number; <see cref="Unsigned64"/> when it is above long.MaxValue (0xffffffffffffffff), <see cref="Value"/> then holding its bits.</summary>
internal sealed record NumberValueSyntax(long Value, SourcePosition Position, bool Unsigned64 = false) : ValueSyntax(Position);
/// <summary>A string constant (<c>const HEXMODULUS = "d4a0...";</c>), which rpcgen accepts as a <c>#define</c> of a C string.</summary>
/// <summary>
/// <c>Left + Right</c> or <c>Left - Right</c>: the value C gives an enum member written without one (the previous
/// member plus one), and what a <c>%#define NAME OTHER+1</c> line says. Not written as such in XDR.
/// </summary>
internal sealed record SumValueSyntax(ValueSyntax Left, bool Subtract, ValueSyntax Right, SourcePosition Position) : ValueSyntax(Position);
internal sealed record StringValueSyntax(string Text, SourcePosition Position) : ValueSyntax(Position);
internal sealed record NameValueSyntax(string Name, SourcePosition Position) : ValueSyntax(Position);

internal enum TypeSpecKind { Void, Int, UnsignedInt, Hyper, UnsignedHyper, Float, Double, Quadruple, Bool, Opaque, String, Named, Enum, Struct, Union }

/// <summary>The keyword before a type name (<c>struct sm_name</c>), which rpcgen allows as in C; None when there is none.</summary>
internal enum TagKind { None, Struct, Union, Enum }

/// <summary>A type specifier; inline enum/struct/union bodies are carried along.</summary>
internal sealed record TypeSpecSyntax(
    TypeSpecKind Kind,
    SourcePosition Position,
    string? Name = null,
    EnumBodySyntax? Enum = null,
    StructBodySyntax? Struct = null,
    UnionBodySyntax? Union = null,
    TagKind Tag = TagKind.None);

internal enum DeclarationKind { Void, Plain, FixedArray, VariableArray, Optional }

/// <summary>
/// A declaration; <see cref="Size"/> is the fixed length or the bound (null for <c>&lt;&gt;</c> or a missing size).
/// <see cref="Position"/> is where it starts (its type), <see cref="NamePosition"/> where its name is.
/// </summary>
internal sealed record DeclarationSyntax(DeclarationKind Kind, TypeSpecSyntax Type, string Name, ValueSyntax? Size, SourcePosition Position, SourcePosition NamePosition);

internal sealed record EnumMemberSyntax(string Name, ValueSyntax Value, SourcePosition Position);
internal sealed record EnumBodySyntax(EquatableArray<EnumMemberSyntax> Members);
internal sealed record StructBodySyntax(EquatableArray<DeclarationSyntax> Fields);
internal sealed record CaseSyntax(EquatableArray<ValueSyntax> Values, DeclarationSyntax Arm);
internal sealed record UnionBodySyntax(DeclarationSyntax Discriminant, EquatableArray<CaseSyntax> Cases, DeclarationSyntax? Default);

/// <summary>A top-level definition, positioned at the name it defines.</summary>
internal abstract record DefinitionSyntax(string Name, SourcePosition Position);
internal sealed record ConstSyntax(string Name, ValueSyntax Value, SourcePosition Position) : DefinitionSyntax(Name, Position);
internal sealed record TypedefSyntax(DeclarationSyntax Declaration) : DefinitionSyntax(Declaration.Name, Declaration.NamePosition);
internal sealed record EnumSyntax(string Name, EnumBodySyntax Body, SourcePosition Position) : DefinitionSyntax(Name, Position);
internal sealed record StructSyntax(string Name, StructBodySyntax Body, SourcePosition Position) : DefinitionSyntax(Name, Position);
internal sealed record UnionSyntax(string Name, UnionBodySyntax Body, SourcePosition Position) : DefinitionSyntax(Name, Position);
internal sealed record ProgramSyntax(string Name, EquatableArray<VersionSyntax> Versions, ValueSyntax Number, SourcePosition Position) : DefinitionSyntax(Name, Position);
/// <summary>A program version, positioned at its name; so is a procedure.</summary>
internal sealed record VersionSyntax(string Name, EquatableArray<ProcedureSyntax> Procedures, ValueSyntax Number, SourcePosition Position);
internal sealed record ProcedureSyntax(string Name, TypeSpecSyntax Result, EquatableArray<TypeSpecSyntax> Arguments, ValueSyntax Number, SourcePosition Position);

/// <summary>
/// One parsed .x file: its definitions, or the syntax error that stopped the parse; the files it
/// <c>#include</c>s; and the C# namespace its AdditionalFiles item asks for (null: the RootNamespace).
/// </summary>
internal sealed record XdrFileSyntax(
    string Path,
    EquatableArray<DefinitionSyntax> Definitions,
    EquatableArray<Diagnostics.DiagnosticInfo> Diagnostics,
    EquatableArray<IncludeSyntax> Includes = default,
    string? Namespace = null,
    EquatableArray<ConstSyntax> PassThroughDefines = default);
