using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using DittoFs.Xdr.Generator.Diagnostics;
using DittoFs.Xdr.Generator.Parsing;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// Type resolution: enums, structs, unions and typedefs into their models, each declaration into a
/// <see cref="TypeRef"/>. Typedefs are resolved away (on first use, whatever their order), inline types are
/// hoisted under the names <see cref="InlineName"/> gives them, and pointers to self-linked structs become lists.
/// </summary>
internal sealed class TypeResolver
{
    private readonly Declarations _declarations;
    private readonly HashSet<string> _listNodes;
    private readonly Constants _constants;
    private readonly CsTypeNames _names;
    private readonly DiagnosticList _diagnostics;
    private readonly CaseLabels _caseLabels;

    private readonly Dictionary<string, TypeRef?> _typedefs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _resolvingTypedefs = new(StringComparer.Ordinal);
    private readonly List<EnumModel> _enums = new();
    private readonly List<AliasModel> _aliases = new();
    private readonly List<StructModel> _structs = new();
    private readonly List<UnionModel> _unions = new();

    /// <param name="listNodes">The wire names of self-linked list nodes (<see cref="LinkedLists"/>).</param>
    public TypeResolver(Declarations declarations, HashSet<string> listNodes, Constants constants, CsTypeNames names, DiagnosticList diagnostics)
    {
        _declarations = declarations;
        _listNodes = listNodes;
        _constants = constants;
        _names = names;
        _diagnostics = diagnostics;
        _caseLabels = new CaseLabels(constants, diagnostics);
    }

    /// <summary>The resolved types in the order resolved: an inline type before the type declaring it.</summary>
    public IReadOnlyList<EnumModel> Enums => _enums;
    public IReadOnlyList<AliasModel> Aliases => _aliases;
    public IReadOnlyList<StructModel> Structs => _structs;
    public IReadOnlyList<UnionModel> Unions => _unions;

    /// <summary>Resolves a top-level enum, struct, union or typedef; a reported duplicate is skipped.</summary>
    public void Resolve(DefinitionSyntax definition, string file)
    {
        if (!_declarations.IsDefinitionOf(definition))
            return;
        switch (definition)
        {
            case EnumSyntax enumeration:
                AddEnum(Names.Pascal(enumeration.Name), enumeration.Name, enumeration.Body, file, enumeration.Position);
                break;
            case StructSyntax structure:
                AddStruct(Names.Pascal(structure.Name), structure.Name, structure.Body, file, structure.Position);
                break;
            case UnionSyntax union:
                AddUnion(Names.Pascal(union.Name), union.Name, union.Body, file, union.Position);
                break;
            case TypedefSyntax typedef:
                ResolveTypedef(typedef, file);
                break;
            default:
                throw new InvalidOperationException($"{definition.GetType().Name} '{definition.Name}' is not a type definition");
        }
    }

    private void AddEnum(string csName, string wireName, EnumBodySyntax body, string file, SourcePosition position)
    {
        if (!_names.Claim(wireName, file, position, csName, csName + "Codec"))
            return;
        var members = new List<EnumMemberModel>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in body.Members)
        {
            string memberName = Names.Pascal(member.Name);
            if (!seen.Add(memberName))
            {
                _diagnostics.Report(XdrDiagnostics.Duplicate, $"Enum member '{member.Name}' maps to the C# name '{memberName}' twice in '{wireName}'", file, member.Position, member.Name.Length);
                continue;
            }
            if (_constants.Evaluate(member.Value, file) is long value)
            {
                if (value < int.MinValue || value > int.MaxValue)
                    _diagnostics.Report(XdrDiagnostics.BadSize, $"Enum value {value} of '{member.Name}' does not fit in 32 bits (RFC 4506 §4.3)", file, member.Value.Position, 1);
                else
                    members.Add(new EnumMemberModel(memberName, member.Name, value));
            }
        }
        var model = new EnumModel(csName, wireName, file, members.ToEquatableArray());
        _enums.Add(model);
        _caseLabels.Add(model, body);
    }

    private void AddStruct(string csName, string wireName, StructBodySyntax body, string file, SourcePosition position)
    {
        if (!_names.Claim(wireName, file, position, csName))
            return;
        bool linked = _listNodes.Contains(wireName);
        var declarations = linked ? body.Fields.Take(body.Fields.Count - 1) : body.Fields;
        var fields = new List<FieldModel>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var declaration in declarations)
        {
            if (declaration.Kind == DeclarationKind.Void)
            {
                _diagnostics.Report(XdrDiagnostics.Unsupported, $"A struct field cannot be void (in '{wireName}'); void is only allowed as a union arm", file, declaration.Position, 4);
                continue;
            }
            var field = ResolveField(declaration, new InlineName(csName, wireName), file);
            if (field is null)
                continue;
            if (!names.Add(field.Name))
                _diagnostics.Report(XdrDiagnostics.Duplicate, $"Duplicate field '{declaration.Name}' in '{wireName}'", file, declaration.NamePosition, declaration.Name.Length);
            else
                fields.Add(field);
        }
        string? link = linked ? body.Fields[body.Fields.Count - 1].Name : null;
        _structs.Add(new StructModel(csName, wireName, file, fields.ToEquatableArray(), link));
    }

    private void AddUnion(string csName, string wireName, UnionBodySyntax body, string file, SourcePosition position)
    {
        if (!_names.Claim(wireName, file, position, csName))
            return;
        var discriminantSyntax = body.Discriminant;
        var discriminant = discriminantSyntax.Kind == DeclarationKind.Plain ? ResolveField(discriminantSyntax, new InlineName(csName, wireName), file) : null;
        // A typedef'd discriminant (typedef int kind) switches on the value it wraps: case labels are plain numbers.
        if (discriminant is { Type: TypeRef.Alias alias })
            discriminant = discriminant with { Type = alias.Target };
        if (discriminant is not { Type: TypeRef.Primitive { Kind: PrimitiveKind.Int32 or PrimitiveKind.UInt32 or PrimitiveKind.Bool } or TypeRef.Named { Kind: NamedKind.Enum } })
        {
            _diagnostics.Report(XdrDiagnostics.BadDiscriminant, $"The discriminant of union '{wireName}' must be int, unsigned int, bool or an enum (RFC 4506 §4.15)", file, discriminantSyntax.Position, Math.Max(discriminantSyntax.Name.Length, 1));
            return;
        }

        var fieldNames = new Dictionary<string, FieldModel>(StringComparer.Ordinal) { [discriminant.Name] = discriminant };
        var valuesSeen = new HashSet<long>(); // by value: two enum members may share one
        var arms = new List<ArmModel>();
        foreach (var caseSyntax in body.Cases)
        {
            var labels = new List<string>();
            foreach (var value in caseSyntax.Values)
            {
                if (_caseLabels.Label(value, discriminant.Type, wireName, file) is not var (label, number))
                    continue;
                if (!valuesSeen.Add(number))
                    _diagnostics.Report(XdrDiagnostics.BadDiscriminant, $"Duplicate case value {number} in union '{wireName}'", file, value.Position, Constants.Show(value).Length);
                else
                    labels.Add(label);
            }
            arms.Add(new ArmModel(labels.ToEquatableArray(), ResolveArm(caseSyntax.Arm, new InlineName(csName, wireName), file, fieldNames)));
        }
        ArmModel? defaultArm = body.Default is null
            ? null
            : new ArmModel(EquatableArray<string>.Empty, ResolveArm(body.Default, new InlineName(csName, wireName), file, fieldNames));
        _unions.Add(new UnionModel(csName, wireName, file, discriminant, arms.ToEquatableArray(), defaultArm));
    }

    private FieldModel? ResolveArm(DeclarationSyntax arm, InlineName union, string file, Dictionary<string, FieldModel> fieldNames)
    {
        if (arm.Kind == DeclarationKind.Void)
            return null;
        var field = ResolveField(arm, union, file);
        if (field is null)
            return null;
        if (fieldNames.TryGetValue(field.Name, out var existing))
        {
            // Two arms may carry the same field (same name and type); they then share it.
            if (existing.Type != field.Type || existing.WireName != field.WireName)
                _diagnostics.Report(XdrDiagnostics.Duplicate, $"Arm '{arm.Name}' of union '{union.WireName}' has the name of another member with a different type", file, arm.NamePosition, arm.Name.Length);
            return existing;
        }
        fieldNames[field.Name] = field;
        return field;
    }

    private FieldModel? ResolveField(DeclarationSyntax declaration, InlineName owner, string file)
    {
        var type = ResolveDeclaration(declaration, owner.Member(declaration.Name), file);
        if (type is null)
            return null;
        string name = Names.Pascal(declaration.Name);
        if (name == owner.CsName || ReservedNames.Members.Contains(name))
            name += "Value"; // C# forbids a member named like its type; the codec and object members are taken
        return new FieldModel(name, declaration.Name, type);
    }

    /// <summary>The type a declaration denotes; inline types get <paramref name="inlineName"/>. Null if void or invalid (reported).</summary>
    private TypeRef? ResolveDeclaration(DeclarationSyntax declaration, InlineName inlineName, string file)
    {
        var spec = declaration.Type;
        bool bytes = spec.Kind is TypeSpecKind.Opaque or TypeSpecKind.String;
        switch (declaration.Kind)
        {
            case DeclarationKind.Void:
                return null;
            case DeclarationKind.Plain:
            {
                var type = ResolveTypeSpec(spec, inlineName, file);
                if (IsListNode(type) is TypeRef.Named node)
                {
                    _diagnostics.Report(XdrDiagnostics.Unsupported, $"'{node.WireName}' is a self-linked list node; use it through a pointer ('{node.WireName} *{declaration.Name}')", file, spec.Position, spec.Name?.Length ?? 1);
                    return null;
                }
                return type;
            }
            case DeclarationKind.FixedArray:
            {
                if (spec.Kind == TypeSpecKind.String)
                {
                    _diagnostics.Report(XdrDiagnostics.BadSize, $"String '{declaration.Name}' must be variable-length: write string {declaration.Name}<N> (RFC 4506 §4.11)", file, declaration.NamePosition, declaration.Name.Length);
                    return null;
                }
                if (declaration.Size is null)
                {
                    _diagnostics.Report(XdrDiagnostics.BadSize, $"Fixed-length {(bytes ? "opaque" : "array")} '{declaration.Name}' needs a size in [ ] (RFC 4506 §4.9, §4.12)", file, declaration.NamePosition, declaration.Name.Length);
                    return null;
                }
                // The padded length of a fixed opaque must still be an int.
                if (_constants.Size(declaration.Size, declaration.Name, file, bytes ? int.MaxValue - 3 : int.MaxValue) is not long length)
                    return null;
                if (bytes)
                    return new TypeRef.FixedOpaque(length);
                var element = ResolveElement(spec, inlineName, file);
                return element is null ? null : new TypeRef.FixedArray(element, length);
            }
            case DeclarationKind.VariableArray:
            {
                long bound = TypeRef.Unbounded;
                if (declaration.Size is not null)
                {
                    if (_constants.Size(declaration.Size, declaration.Name, file, uint.MaxValue) is not long declared)
                        return null;
                    bound = declared;
                }
                if (spec.Kind == TypeSpecKind.String)
                    return new TypeRef.String(bound);
                if (spec.Kind == TypeSpecKind.Opaque)
                    return new TypeRef.VariableOpaque(bound);
                var element = ResolveElement(spec, inlineName, file);
                return element is null ? null : new TypeRef.VariableArray(element, bound);
            }
            default: // Optional
            {
                var target = ResolveTypeSpec(spec, inlineName, file);
                if (target is null)
                    return null;
                if (IsListNode(target) is TypeRef.Named node)
                    return new TypeRef.LinkedList(node);
                if (target is TypeRef.Optional)
                {
                    _diagnostics.Report(XdrDiagnostics.Unsupported, $"'{declaration.Name}' is optional data of optional data ('{spec.Name}' is already a pointer), which has no C# counterpart", file, declaration.NamePosition, declaration.Name.Length);
                    return null;
                }
                return new TypeRef.Optional(target);
            }
        }
    }

    private TypeRef? ResolveElement(TypeSpecSyntax spec, InlineName inlineName, string file)
    {
        var element = ResolveTypeSpec(spec, inlineName, file);
        if (IsListNode(element) is TypeRef.Named node)
        {
            _diagnostics.Report(XdrDiagnostics.Unsupported, $"'{node.WireName}' is a self-linked list node; arrays of it are not supported", file, spec.Position, spec.Name?.Length ?? 1);
            return null;
        }
        return element;
    }

    /// <summary>The type itself if it is a self-linked struct, which may only be used through a pointer.</summary>
    public TypeRef.Named? IsListNode(TypeRef? type) =>
        type is TypeRef.Named { Kind: NamedKind.Struct } named && _listNodes.Contains(named.WireName) ? named : null;

    public TypeRef? ResolveTypeSpec(TypeSpecSyntax spec, InlineName inlineName, string file)
    {
        switch (spec.Kind)
        {
            case TypeSpecKind.Int: return new TypeRef.Primitive(PrimitiveKind.Int32);
            case TypeSpecKind.UnsignedInt: return new TypeRef.Primitive(PrimitiveKind.UInt32);
            case TypeSpecKind.Hyper: return new TypeRef.Primitive(PrimitiveKind.Int64);
            case TypeSpecKind.UnsignedHyper: return new TypeRef.Primitive(PrimitiveKind.UInt64);
            case TypeSpecKind.Float: return new TypeRef.Primitive(PrimitiveKind.Single);
            case TypeSpecKind.Double: return new TypeRef.Primitive(PrimitiveKind.Double);
            case TypeSpecKind.Bool: return new TypeRef.Primitive(PrimitiveKind.Bool);
            case TypeSpecKind.Quadruple:
                _diagnostics.Report(XdrDiagnostics.Unsupported, "quadruple (128-bit float) has no C# counterpart and is not supported", file, spec.Position, "quadruple".Length);
                return null;
            case TypeSpecKind.Opaque:
            case TypeSpecKind.String:
            case TypeSpecKind.Void:
                _diagnostics.Report(XdrDiagnostics.BadSize, $"{spec.Kind.ToString().ToLowerInvariant()} is not a type on its own here", file, spec.Position, 1);
                return null;
            case TypeSpecKind.Enum when spec.Enum is { } enumBody:
                AddEnum(inlineName.CsName, inlineName.WireName, enumBody, file, spec.Position);
                return Named(inlineName.CsName, inlineName.WireName, NamedKind.Enum);
            case TypeSpecKind.Struct when spec.Struct is { } structBody:
                AddStruct(inlineName.CsName, inlineName.WireName, structBody, file, spec.Position);
                return Named(inlineName.CsName, inlineName.WireName, NamedKind.Struct);
            case TypeSpecKind.Union when spec.Union is { } unionBody:
                AddUnion(inlineName.CsName, inlineName.WireName, unionBody, file, spec.Position);
                return Named(inlineName.CsName, inlineName.WireName, NamedKind.Union);
            case TypeSpecKind.Named when spec.Name is string name:
                return ResolveName(name, spec, file);
            default: // the parser gives every inline body and name its kind
                throw new InvalidOperationException($"Type specifier {spec.Kind} at line {spec.Position.Line} lacks its body or name");
        }
    }

    /// <summary>Typedef names that only spell a machine type (uint64, int32, uint32_t, hyper): they stay the primitive.</summary>
    private static readonly Regex MachineTypeName = new("^u?_?(int|hyper|long|short|char|float|double)[0-9]*(_t)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>
    /// A typedef of a primitive, opaque or string keeps its name in C#: a wrapper struct (<see cref="TypeRef.Alias"/>),
    /// so <c>cookie3</c> and <c>fileid3</c> are not interchangeable ulongs in signatures. A typedef of such a typedef
    /// wraps the same target (one conversion away from it, as every alias is). A typedef whose name only spells a
    /// machine type (<c>typedef unsigned hyper uint64</c>) stays the primitive: its name adds nothing. Other typedefs
    /// (structs, unions, enums, arrays, optional data) resolve to the type they name, as before.
    /// </summary>
    private TypeRef? AliasOf(TypedefSyntax typedef, TypeRef? type, string file)
    {
        var target = type is TypeRef.Alias alias ? alias.Target : type;
        if (target is not (TypeRef.Primitive or TypeRef.FixedOpaque or TypeRef.VariableOpaque or TypeRef.String))
            return type;
        if (target is TypeRef.Primitive && MachineTypeName.IsMatch(typedef.Name))
            return target;
        string csName = Names.Pascal(typedef.Name);
        if (!_names.Claim(typedef.Name, file, typedef.Declaration.NamePosition, csName))
            return null; // reported
        _aliases.Add(new AliasModel(csName, typedef.Name, file, target));
        return new TypeRef.Alias(csName, typedef.Name, target);
    }

    private static TypeRef Named(string csName, string wireName, NamedKind kind) => new TypeRef.Named(csName, wireName, kind);

    private TypeRef? ResolveName(string name, TypeSpecSyntax spec, string file)
    {
        if (!_declarations.Types.TryGetValue(name, out var found))
        {
            // rpcgen leaves an undeclared name to the C library's xdr_<name>; those the library has are built in.
            if (spec.Tag == TagKind.None && ExternalTypes.Find(name) is TypeRef external)
                return external;
            string what = _declarations.Values.ContainsKey(name) ? $"'{name}' is a constant, not a type" : $"Unknown type '{name}'";
            _diagnostics.Report(XdrDiagnostics.Unknown, what, file, spec.Position, name.Length);
            return null;
        }
        // struct X, union X, enum X (C tags): X must be defined by that kind of definition, as the C compiler requires.
        var tagged = found.Definition switch
        {
            StructSyntax => TagKind.Struct,
            UnionSyntax => TagKind.Union,
            EnumSyntax => TagKind.Enum,
            _ => TagKind.None,
        };
        if (spec.Tag != TagKind.None && spec.Tag != tagged)
        {
            string kind = found.Definition switch { TypedefSyntax => "a typedef", _ => "a " + tagged.ToString().ToLowerInvariant() };
            _diagnostics.Report(XdrDiagnostics.Unknown, $"'{spec.Tag.ToString().ToLowerInvariant()} {name}': '{name}' is {kind}, not a {spec.Tag.ToString().ToLowerInvariant()}", file, spec.Position, name.Length);
            return null;
        }
        return found.Definition switch
        {
            StructSyntax => Named(Names.Pascal(name), name, NamedKind.Struct),
            UnionSyntax => Named(Names.Pascal(name), name, NamedKind.Union),
            EnumSyntax => Named(Names.Pascal(name), name, NamedKind.Enum),
            TypedefSyntax typedef => ResolveTypedef(typedef, found.File),
            _ => throw new InvalidOperationException($"{found.Definition.GetType().Name} '{name}' is not a type definition"),
        };
    }

    private TypeRef? ResolveTypedef(TypedefSyntax typedef, string file)
    {
        string name = typedef.Name;
        if (_typedefs.TryGetValue(name, out var cached))
            return cached;
        var declaration = typedef.Declaration;
        if (!_resolvingTypedefs.Add(name))
        {
            _diagnostics.Report(XdrDiagnostics.Unsupported, $"Typedef '{name}' refers to itself", file, declaration.NamePosition, name.Length);
            return null;
        }
        if (_resolvingTypedefs.Count > ModelBuilder.MaxChain)
        {
            _resolvingTypedefs.Remove(name);
            _diagnostics.Report(XdrDiagnostics.Unsupported, $"Typedef '{name}' ends a chain of more than {ModelBuilder.MaxChain} typedefs", file, declaration.NamePosition, name.Length);
            return null;
        }
        TypeRef? type = null;
        if (declaration.Kind == DeclarationKind.Void)
            _diagnostics.Report(XdrDiagnostics.Unsupported, "A typedef cannot be void", file, declaration.Position, 4);
        else
            type = AliasOf(typedef, ResolveDeclaration(declaration, new InlineName(Names.Pascal(name), name), file), file); // typedef struct { ... } name; names the type
        _resolvingTypedefs.Remove(name);
        _typedefs[name] = type; // failures are cached too, so they are reported once
        return type;
    }
}
