using System;
using System.Collections.Generic;
using System.Linq;
using DittoFs.Xdr.Generator.Diagnostics;
using DittoFs.Xdr.Generator.Parsing;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// Resolves the syntax of all .x files together (they share one namespace of names) into the model:
/// evaluates constants, resolves typedefs, hoists inline types, recognises self-linked lists and reports
/// every semantic error as a diagnostic.
/// </summary>
internal sealed class ModelBuilder
{
    /// <summary>How long a chain of typedefs or of constants defined by constants may be (resolved recursively).</summary>
    public const int MaxChain = 256;

    private readonly List<DiagnosticInfo> _diagnostics = new();
    private readonly Dictionary<string, (DefinitionSyntax Definition, string File)> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ValueSyntax Value, string File)> _valueDefinitions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _enumOfMember = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _values = new(StringComparer.Ordinal) { ["TRUE"] = 1, ["FALSE"] = 0 };
    private readonly HashSet<string> _evaluating = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unevaluable = new(StringComparer.Ordinal); // failed once, reported once
    private readonly Dictionary<string, TypeRef?> _typedefs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _resolvingTypedefs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _linkedStructs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SourcePosition> _declared = new(StringComparer.Ordinal);
    private readonly HashSet<string> _csTypeNames = new(StringComparer.Ordinal);

    private readonly List<ConstantModel> _constants = new();
    private readonly List<EnumModel> _enums = new();
    private readonly List<StructModel> _structs = new();
    private readonly List<UnionModel> _unions = new();
    private readonly List<ProgramModel> _programs = new();

    public static XdrModel Build(string rootNamespace, IReadOnlyList<XdrFileSyntax> files)
    {
        var builder = new ModelBuilder();
        foreach (var file in files)
            builder._diagnostics.AddRange(file.Diagnostics);
        builder.CheckFileNames(files);
        foreach (var file in files)
            foreach (var definition in file.Definitions)
                builder.Declare(definition, file.Path);
        builder.FindLinkedStructs();
        // Enums first: union case labels need their members whatever the order of definitions.
        foreach (var file in files)
            foreach (var definition in file.Definitions.Where(d => d is EnumSyntax))
                builder.Resolve(definition, file.Path);
        foreach (var file in files)
            foreach (var definition in file.Definitions.Where(d => d is not EnumSyntax))
                builder.Resolve(definition, file.Path);
        builder.CheckNoValueRecursion();

        return new XdrModel(
            rootNamespace,
            files.Select(f => f.Path).ToEquatableArray(),
            builder._constants.ToEquatableArray(),
            builder._enums.ToEquatableArray(),
            builder._structs.ToEquatableArray(),
            builder._unions.ToEquatableArray(),
            builder._programs.ToEquatableArray(),
            builder._diagnostics.ToEquatableArray());
    }

    private void Report(string id, string message, string file, SourcePosition position, int length) =>
        _diagnostics.Add(new DiagnosticInfo(id, message, file, position.Offset, position.Line, position.Column, Math.Max(length, 1)));

    /// <summary>Each .x file becomes one source and one constants class named after it, so two files need two names.</summary>
    private void CheckFileNames(IReadOnlyList<XdrFileSyntax> files)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in files)
        {
            string stem = Names.FileStem(file.Path);
            _csTypeNames.Add(Names.Pascal(stem) + "Constants");
            if (seen.TryGetValue(stem, out var other))
                Report(XdrDiagnostics.Duplicate, $"'{file.Path}' and '{other}' have the same file name; the source and constants class generated from an .x file are named after it", file.Path, new SourcePosition(0, 1, 1), 0);
            else
                seen[stem] = file.Path;
        }
    }

    // ---- Pass 1: declare every name (one namespace for types, constants and enum members, as in C) ----

    private bool DeclareName(string name, string file, SourcePosition position)
    {
        if (_declared.TryGetValue(name, out var previous) || name is "TRUE" or "FALSE")
        {
            string where = previous is null ? "it is predefined" : $"it is already defined at line {previous.Line}";
            Report(XdrDiagnostics.Duplicate, $"Duplicate name '{name}': {where}", file, position, name.Length);
            return false;
        }
        _declared[name] = position;
        return true;
    }

    private void Declare(DefinitionSyntax definition, string file)
    {
        switch (definition)
        {
            case ConstSyntax constant:
                if (DeclareName(constant.Name, file, constant.Position))
                    _valueDefinitions[constant.Name] = (constant.Value, file);
                break;
            case ProgramSyntax program:
                DeclareName(program.Name, file, program.Position);
                break;
            default:
                if (DeclareName(definition.Name, file, definition.Position))
                    _types[definition.Name] = (definition, file);
                foreach (var body in InlineEnums(definition))
                    foreach (var member in body.Members)
                        if (DeclareName(member.Name, file, member.Position))
                            _valueDefinitions[member.Name] = (member.Value, file);
                break;
        }
    }

    private static IEnumerable<EnumBodySyntax> InlineEnums(DefinitionSyntax definition) => definition switch
    {
        EnumSyntax e => new[] { e.Body },
        StructSyntax s => s.Body.Fields.SelectMany(f => InlineEnums(f.Type)),
        UnionSyntax u => InlineEnums(u.Body),
        TypedefSyntax t => InlineEnums(t.Declaration.Type),
        _ => Enumerable.Empty<EnumBodySyntax>(),
    };

    private static IEnumerable<EnumBodySyntax> InlineEnums(UnionBodySyntax body) =>
        InlineEnums(body.Discriminant.Type)
            .Concat(body.Cases.SelectMany(c => InlineEnums(c.Arm.Type)))
            .Concat(body.Default is null ? Enumerable.Empty<EnumBodySyntax>() : InlineEnums(body.Default.Type));

    private static IEnumerable<EnumBodySyntax> InlineEnums(TypeSpecSyntax type) => type switch
    {
        { Enum: { } body } => new[] { body },
        { Struct: { } body } => body.Fields.SelectMany(f => InlineEnums(f.Type)),
        { Union: { } body } => InlineEnums(body),
        _ => Enumerable.Empty<EnumBodySyntax>(),
    };

    // ---- Pass 2: self-linked lists (a struct whose last field points to the struct itself) ----

    private void FindLinkedStructs()
    {
        foreach (var entry in _types)
        {
            if (entry.Value.Definition is StructSyntax structure && structure.Body.Fields.Count > 0)
            {
                var last = structure.Body.Fields[structure.Body.Fields.Count - 1];
                if (PointerTarget(last, depth: 0) == structure.Name)
                    _linkedStructs.Add(structure.Name);
            }
        }
    }

    /// <summary>The struct a declaration points to (directly or through typedefs), or null.</summary>
    private string? PointerTarget(DeclarationSyntax declaration, int depth)
    {
        if (depth > 32 || declaration.Type is not { Kind: TypeSpecKind.Named, Name: string target })
            return null;
        if (declaration.Kind == DeclarationKind.Optional)
            return StructBehind(target, depth + 1);
        if (declaration.Kind == DeclarationKind.Plain
            && _types.TryGetValue(target, out var found)
            && found.Definition is TypedefSyntax typedef)
            return PointerTarget(typedef.Declaration, depth + 1);
        return null;
    }

    private string? StructBehind(string name, int depth)
    {
        if (depth > 32 || !_types.TryGetValue(name, out var found))
            return null;
        return found.Definition switch
        {
            StructSyntax s => s.Name,
            TypedefSyntax { Declaration: { Kind: DeclarationKind.Plain, Type: { Kind: TypeSpecKind.Named, Name: string target } } } => StructBehind(target, depth + 1),
            _ => null,
        };
    }

    // ---- Pass 3: resolve definitions into the model ----

    private void Resolve(DefinitionSyntax definition, string file)
    {
        if (definition is not ConstSyntax and not ProgramSyntax
            && !(_types.TryGetValue(definition.Name, out var declared) && ReferenceEquals(declared.Definition, definition)))
            return; // a duplicate, already reported
        switch (definition)
        {
            case ConstSyntax constant:
                if (_valueDefinitions.TryGetValue(constant.Name, out var own) && ReferenceEquals(own.Value, constant.Value)
                    && Evaluate(constant.Value, file) is long value)
                    _constants.Add(new ConstantModel(Names.Pascal(constant.Name), constant.Name, file, value));
                break;
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
                ResolveTypedef(typedef.Name);
                break;
            case ProgramSyntax program:
                AddProgram(program, file);
                break;
        }
    }

    /// <summary>Claims the C# type names one definition generates (a type and, say, its codec), all or none.</summary>
    private bool ClaimTypeNames(string wireName, string file, SourcePosition position, params string[] csNames)
    {
        foreach (string csName in csNames)
        {
            string? problem = ReservedNames.Types.Contains(csName) ? "which the generated code itself uses"
                : _csTypeNames.Contains(csName) ? "which another type already has"
                : null;
            if (problem is not null)
            {
                Report(XdrDiagnostics.Duplicate, $"'{wireName}' maps to the C# name '{csName}', {problem}", file, position, wireName.Length);
                return false;
            }
        }
        _csTypeNames.UnionWith(csNames);
        return true;
    }

    private void AddEnum(string csName, string wireName, EnumBodySyntax body, string file, SourcePosition position)
    {
        if (!ClaimTypeNames(wireName, file, position, csName, csName + "Codec"))
            return;
        var members = new List<EnumMemberModel>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in body.Members)
        {
            _enumOfMember[member.Name] = csName;
            string memberName = Names.Pascal(member.Name);
            if (!seen.Add(memberName))
            {
                Report(XdrDiagnostics.Duplicate, $"Enum member '{member.Name}' maps to the C# name '{memberName}' twice in '{wireName}'", file, member.Position, member.Name.Length);
                continue;
            }
            if (Evaluate(member.Value, file) is long value)
            {
                if (value < int.MinValue || value > int.MaxValue)
                    Report(XdrDiagnostics.BadSize, $"Enum value {value} of '{member.Name}' does not fit in 32 bits (RFC 4506 §4.3)", file, member.Value.Position, 1);
                else
                    members.Add(new EnumMemberModel(memberName, member.Name, value));
            }
        }
        _enums.Add(new EnumModel(csName, wireName, file, members.ToEquatableArray()));
    }

    private void AddStruct(string csName, string wireName, StructBodySyntax body, string file, SourcePosition position)
    {
        if (!ClaimTypeNames(wireName, file, position, csName))
            return;
        bool linked = _linkedStructs.Contains(wireName);
        var declarations = linked ? body.Fields.Take(body.Fields.Count - 1) : body.Fields;
        var fields = new List<FieldModel>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var declaration in declarations)
        {
            if (declaration.Kind == DeclarationKind.Void)
            {
                Report(XdrDiagnostics.Unsupported, $"A struct field cannot be void (in '{wireName}'); void is only allowed as a union arm", file, declaration.Position, 4);
                continue;
            }
            var field = ResolveField(declaration, new InlineName(csName, wireName), file);
            if (field is null)
                continue;
            if (!names.Add(field.Name))
                Report(XdrDiagnostics.Duplicate, $"Duplicate field '{declaration.Name}' in '{wireName}'", file, declaration.NamePosition, declaration.Name.Length);
            else
                fields.Add(field);
        }
        string? link = linked ? body.Fields[body.Fields.Count - 1].Name : null;
        _structs.Add(new StructModel(csName, wireName, file, fields.ToEquatableArray(), link));
    }

    private void AddUnion(string csName, string wireName, UnionBodySyntax body, string file, SourcePosition position)
    {
        if (!ClaimTypeNames(wireName, file, position, csName))
            return;
        var discriminantSyntax = body.Discriminant;
        var discriminant = discriminantSyntax.Kind == DeclarationKind.Plain ? ResolveField(discriminantSyntax, new InlineName(csName, wireName), file) : null;
        if (discriminant is not { Type: TypeRef.Primitive { Kind: PrimitiveKind.Int32 or PrimitiveKind.UInt32 or PrimitiveKind.Bool } or TypeRef.Named { Kind: NamedKind.Enum } })
        {
            Report(XdrDiagnostics.BadDiscriminant, $"The discriminant of union '{wireName}' must be int, unsigned int, bool or an enum (RFC 4506 §4.15)", file, discriminantSyntax.Position, Math.Max(discriminantSyntax.Name.Length, 1));
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
                if (CaseLabel(value, discriminant.Type, wireName, file) is not var (label, number))
                    continue;
                if (!valuesSeen.Add(number))
                    Report(XdrDiagnostics.BadDiscriminant, $"Duplicate case value {number} in union '{wireName}'", file, value.Position, Show(value).Length);
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
                Report(XdrDiagnostics.Duplicate, $"Arm '{arm.Name}' of union '{union.WireName}' has the name of another member with a different type", file, arm.NamePosition, arm.Name.Length);
            return existing;
        }
        fieldNames[field.Name] = field;
        return field;
    }

    /// <summary>A case value as a C# constant expression of the discriminant's type, and its value; null if invalid (reported).</summary>
    private (string Label, long Value)? CaseLabel(ValueSyntax value, TypeRef discriminant, string unionWireName, string file)
    {
        if (Evaluate(value, file) is not long v)
            return null;
        switch (discriminant)
        {
            case TypeRef.Named enumType:
            {
                // One of the enum's members by name, or a number (or constant) that one of them has.
                var enumModel = _enums.FirstOrDefault(e => e.Name == enumType.Name);
                string? member = value is NameValueSyntax named && _enumOfMember.TryGetValue(named.Name, out var owner) && owner == enumType.Name
                    ? Names.Pascal(named.Name)
                    : enumModel?.Members.FirstOrDefault(m => m.Value == v)?.Name;
                if (member is not null)
                    return ($"{enumType.Name}.{member}", v);
                Report(XdrDiagnostics.BadDiscriminant, $"Case {Show(value)} of union '{unionWireName}' is not a value of enum '{enumModel?.WireName ?? enumType.Name}'", file, value.Position, Show(value).Length);
                return null;
            }
            case TypeRef.Primitive { Kind: PrimitiveKind.Bool } when v is 0 or 1:
                return (v == 1 ? "true" : "false", v);
            case TypeRef.Primitive { Kind: PrimitiveKind.Int32 } when v >= int.MinValue && v <= int.MaxValue:
                return (v.ToString(System.Globalization.CultureInfo.InvariantCulture), v);
            case TypeRef.Primitive { Kind: PrimitiveKind.UInt32 } when v >= 0 && v <= uint.MaxValue:
                return (v.ToString(System.Globalization.CultureInfo.InvariantCulture) + "u", v);
            case TypeRef.Primitive primitive:
                Report(XdrDiagnostics.BadDiscriminant, $"Case {Show(value)} of union '{unionWireName}' is out of range for a {primitive.Kind} discriminant", file, value.Position, Show(value).Length);
                return null;
            default: // the union's checks admit no other discriminant
                throw TypeRef.Unhandled(discriminant);
        }
    }

    private static string Show(ValueSyntax value) => value switch
    {
        NameValueSyntax n => n.Name,
        NumberValueSyntax n => n.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "?",
    };

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
                    Report(XdrDiagnostics.Unsupported, $"'{node.WireName}' is a self-linked list node; use it through a pointer ('{node.WireName} *{declaration.Name}')", file, spec.Position, spec.Name?.Length ?? 1);
                    return null;
                }
                return type;
            }
            case DeclarationKind.FixedArray:
            {
                if (spec.Kind == TypeSpecKind.String)
                {
                    Report(XdrDiagnostics.BadSize, $"String '{declaration.Name}' must be variable-length: write string {declaration.Name}<N> (RFC 4506 §4.11)", file, declaration.NamePosition, declaration.Name.Length);
                    return null;
                }
                if (declaration.Size is null)
                {
                    Report(XdrDiagnostics.BadSize, $"Fixed-length {(bytes ? "opaque" : "array")} '{declaration.Name}' needs a size in [ ] (RFC 4506 §4.9, §4.12)", file, declaration.NamePosition, declaration.Name.Length);
                    return null;
                }
                // The padded length of a fixed opaque must still be an int.
                if (SizeOf(declaration.Size, declaration.Name, file, bytes ? int.MaxValue - 3 : int.MaxValue) is not long length)
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
                    if (SizeOf(declaration.Size, declaration.Name, file, uint.MaxValue) is not long declared)
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
                    Report(XdrDiagnostics.Unsupported, $"'{declaration.Name}' is optional data of optional data ('{spec.Name}' is already a pointer), which has no C# counterpart", file, declaration.NamePosition, declaration.Name.Length);
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
            Report(XdrDiagnostics.Unsupported, $"'{node.WireName}' is a self-linked list node; arrays of it are not supported", file, spec.Position, spec.Name?.Length ?? 1);
            return null;
        }
        return element;
    }

    /// <summary>The type itself if it is a self-linked struct, which may only be used through a pointer.</summary>
    private TypeRef.Named? IsListNode(TypeRef? type) =>
        type is TypeRef.Named { Kind: NamedKind.Struct } named && _linkedStructs.Contains(named.WireName) ? named : null;

    private long? SizeOf(ValueSyntax size, string name, string file, long max)
    {
        if (Evaluate(size, file) is not long value)
            return null;
        if (value < 0 || value > max)
        {
            Report(XdrDiagnostics.BadSize, $"Size {value} of '{name}' is out of range (0..{max})", file, size.Position, Show(size).Length);
            return null;
        }
        return value;
    }

    private TypeRef? ResolveTypeSpec(TypeSpecSyntax spec, InlineName inlineName, string file)
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
                Report(XdrDiagnostics.Unsupported, "quadruple (128-bit float) has no C# counterpart and is not supported", file, spec.Position, "quadruple".Length);
                return null;
            case TypeSpecKind.Opaque:
            case TypeSpecKind.String:
            case TypeSpecKind.Void:
                Report(XdrDiagnostics.BadSize, $"{spec.Kind.ToString().ToLowerInvariant()} is not a type on its own here", file, spec.Position, 1);
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

    private static TypeRef Named(string csName, string wireName, NamedKind kind) => new TypeRef.Named(csName, wireName, kind);

    private TypeRef? ResolveName(string name, TypeSpecSyntax spec, string file)
    {
        if (!_types.TryGetValue(name, out var found))
        {
            string what = _valueDefinitions.ContainsKey(name) ? $"'{name}' is a constant, not a type" : $"Unknown type '{name}'";
            Report(XdrDiagnostics.Unknown, what, file, spec.Position, name.Length);
            return null;
        }
        return found.Definition switch
        {
            StructSyntax => Named(Names.Pascal(name), name, NamedKind.Struct),
            UnionSyntax => Named(Names.Pascal(name), name, NamedKind.Union),
            EnumSyntax => Named(Names.Pascal(name), name, NamedKind.Enum),
            _ => ResolveTypedef(name),
        };
    }

    private TypeRef? ResolveTypedef(string name)
    {
        if (_typedefs.TryGetValue(name, out var cached))
            return cached;
        var (definition, file) = _types[name];
        var declaration = ((TypedefSyntax)definition).Declaration;
        if (!_resolvingTypedefs.Add(name))
        {
            Report(XdrDiagnostics.Unsupported, $"Typedef '{name}' refers to itself", file, declaration.NamePosition, name.Length);
            return null;
        }
        if (_resolvingTypedefs.Count > MaxChain)
        {
            _resolvingTypedefs.Remove(name);
            Report(XdrDiagnostics.Unsupported, $"Typedef '{name}' ends a chain of more than {MaxChain} typedefs", file, declaration.NamePosition, name.Length);
            return null;
        }
        TypeRef? type = null;
        if (declaration.Kind == DeclarationKind.Void)
            Report(XdrDiagnostics.Unsupported, "A typedef cannot be void", file, declaration.Position, 4);
        else
            type = ResolveDeclaration(declaration, new InlineName(Names.Pascal(name), name), file); // typedef struct { ... } name; names the type
        _resolvingTypedefs.Remove(name);
        _typedefs[name] = type; // failures are cached too, so they are reported once
        return type;
    }

    private long? Evaluate(ValueSyntax value, string file)
    {
        switch (value)
        {
            case NumberValueSyntax number:
                return number.Value;
            case NameValueSyntax named:
                if (_values.TryGetValue(named.Name, out long known))
                    return known;
                if (_unevaluable.Contains(named.Name))
                    return null;
                if (!_valueDefinitions.TryGetValue(named.Name, out var definition))
                {
                    string what = _types.ContainsKey(named.Name) ? $"'{named.Name}' is a type, not a constant" : $"Unknown constant '{named.Name}'";
                    Report(XdrDiagnostics.Unknown, what, file, named.Position, named.Name.Length);
                    return null;
                }
                if (!_evaluating.Add(named.Name))
                {
                    Report(XdrDiagnostics.Unsupported, $"Constant '{named.Name}' is defined in terms of itself", file, named.Position, named.Name.Length);
                    return null;
                }
                if (_evaluating.Count > MaxChain)
                {
                    _evaluating.Remove(named.Name);
                    Report(XdrDiagnostics.Unsupported, $"Constant '{named.Name}' ends a chain of more than {MaxChain} constants", file, named.Position, named.Name.Length);
                    return null;
                }
                long? result = Evaluate(definition.Value, definition.File);
                _evaluating.Remove(named.Name);
                if (result is long resolved)
                    _values[named.Name] = resolved;
                else
                    _unevaluable.Add(named.Name);
                return result;
            default:
                return null;
        }
    }

    private void AddProgram(ProgramSyntax program, string file)
    {
        if (RpcNumber(program.Number, $"Program number of '{program.Name}'", file) is not long programNumber)
            return;
        string baseName = StripProgramSuffix(program.Name);
        foreach (var version in program.Versions)
        {
            if (RpcNumber(version.Number, $"Version number of '{version.Name}'", file) is not long versionNumber)
                continue;
            string name = Names.Pascal(baseName) + "V" + versionNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!ClaimTypeNames(version.Name, file, version.Position, name + "Program", name + "Procedure", "I" + name, name + "Dispatcher", name + "Client"))
                continue;
            string prefix = CommonPrefix(version.Procedures.Select(p => p.Name).ToList());
            var procedures = new List<ProcedureModel>();
            var numbers = new HashSet<long>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var procedure in version.Procedures)
            {
                if (RpcNumber(procedure.Number, $"Procedure number of '{procedure.Name}'", file) is not long number)
                    continue;
                string procedureName = Names.Pascal(procedure.Name.Substring(prefix.Length));
                if (!numbers.Add(number) || !names.Add(procedureName))
                {
                    Report(XdrDiagnostics.Duplicate, $"Procedure '{procedure.Name}' repeats a name or number in version '{version.Name}'", file, procedure.Position, procedure.Name.Length);
                    continue;
                }
                if (procedure.Arguments.Count != 1)
                {
                    Report(XdrDiagnostics.Unsupported, $"Procedure '{procedure.Name}' takes {procedure.Arguments.Count} arguments; DittoFs supports one (or void), as RFC 5531 §12 recommends", file, procedure.Position, procedure.Name.Length);
                    continue;
                }
                var argument = ResolveSignatureType(procedure.Arguments[0], new InlineName(name + procedureName + "Arguments", procedure.Name + ".arguments"), file);
                var result = ResolveSignatureType(procedure.Result, new InlineName(name + procedureName + "Result", procedure.Name + ".result"), file);
                if (argument.Failed || result.Failed)
                    continue;
                procedures.Add(new ProcedureModel(procedureName, procedure.Name, (uint)number, argument.Type, result.Type));
            }
            _programs.Add(new ProgramModel(name, program.Name, version.Name, file, (uint)programNumber, (uint)versionNumber, procedures.ToEquatableArray()));
        }
    }

    /// <summary>A program, version or procedure number: an unsigned 32-bit value on the wire (RFC 5531 §9).</summary>
    private long? RpcNumber(ValueSyntax value, string what, string file)
    {
        if (Evaluate(value, file) is not long number)
            return null;
        if (number is >= 0 and <= uint.MaxValue)
            return number;
        Report(XdrDiagnostics.BadSize, $"{what} is {number}, out of range (0..{uint.MaxValue})", file, value.Position, Show(value).Length);
        return null;
    }

    private (TypeRef? Type, bool Failed) ResolveSignatureType(TypeSpecSyntax spec, InlineName inlineName, string file)
    {
        if (spec.Kind == TypeSpecKind.Void)
            return (null, false);
        var type = ResolveTypeSpec(spec, inlineName, file);
        if (IsListNode(type) is TypeRef.Named node)
        {
            Report(XdrDiagnostics.Unsupported, $"'{node.WireName}' is a self-linked list node; use a pointer typedef to it as the procedure type", file, spec.Position, spec.Name?.Length ?? 1);
            return (null, true);
        }
        return (type, type is null);
    }

    private static string StripProgramSuffix(string name)
    {
        foreach (var suffix in new[] { "_PROGRAM", "_PROG", "PROGRAM", "PROG" })
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && name.Length > suffix.Length)
                return name.Substring(0, name.Length - suffix.Length);
        return name;
    }

    /// <summary>The shared prefix of the procedure names up to its last underscore (NFSPROC3_), if it leaves names.</summary>
    private static string CommonPrefix(IReadOnlyList<string> names)
    {
        if (names.Count == 0)
            return "";
        string prefix = names[0];
        foreach (var name in names)
        {
            int length = 0;
            while (length < prefix.Length && length < name.Length && prefix[length] == name[length])
                length++;
            prefix = prefix.Substring(0, length);
        }
        int cut = prefix.LastIndexOf('_');
        prefix = cut < 0 ? "" : prefix.Substring(0, cut + 1);
        return names.All(n => n.Length > prefix.Length && !char.IsDigit(n[prefix.Length])) ? prefix : "";
    }

    // ---- Checks over the finished model ----

    /// <summary>
    /// A struct or union that contains itself by value cannot exist; one that contains itself through optional
    /// data or an array is a tree, which decodes by recursion as deep as the input says. Only self-linked
    /// lists, decoded in a loop, may refer to themselves.
    /// </summary>
    private void CheckNoValueRecursion()
    {
        var members = new Dictionary<string, List<TypeRef.Named>>(StringComparer.Ordinal);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in _structs)
        {
            members[s.Name] = s.Fields.SelectMany(f => Embedded(f.Type)).ToList();
            files[s.Name] = s.File;
        }
        foreach (var u in _unions)
        {
            members[u.Name] = u.ArmFields.SelectMany(f => Embedded(f.Type)).ToList();
            files[u.Name] = u.File;
        }
        // Depth first with an explicit stack (a chain of thousands of types must not overflow ours).
        // state: absent = not seen, OnPath = an ancestor of the current type, Done = checked.
        const int OnPath = 1, Done = 2;
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var root in members.Keys)
        {
            if (state.ContainsKey(root))
                continue;
            var path = new Stack<(string Name, int Next)>();
            state[root] = OnPath;
            path.Push((root, 0));
            while (path.Count > 0)
            {
                var (name, next) = path.Pop();
                if (next == members[name].Count)
                {
                    state[name] = Done;
                    continue;
                }
                path.Push((name, next + 1));
                var memberType = members[name][next];
                string member = memberType.Name;
                if (!members.ContainsKey(member) || (state.TryGetValue(member, out int seen) && seen == Done))
                    continue;
                if (seen == OnPath)
                {
                    string wire = memberType.WireName;
                    var position = _declared.TryGetValue(wire, out var p) ? p : new SourcePosition(0, 1, 1);
                    Report(XdrDiagnostics.Unsupported, $"'{wire}' contains itself (by value, through optional data or through an array); recursion is only supported as a self-linked list whose last field points to the next node", files[member], position, wire.Length);
                    state[member] = Done; // once per type
                    continue;
                }
                state[member] = OnPath;
                path.Push((member, 0));
            }
        }
    }

    /// <summary>The struct or union a field's value holds (none, or one): directly, as optional data or as array elements.</summary>
    private static IEnumerable<TypeRef.Named> Embedded(TypeRef type) => type switch
    {
        TypeRef.Named { Kind: NamedKind.Enum } => Enumerable.Empty<TypeRef.Named>(),
        TypeRef.Named named => new[] { named },
        TypeRef.Optional optional => Embedded(optional.Target),
        TypeRef.FixedArray array => Embedded(array.Element),
        TypeRef.VariableArray array => Embedded(array.Element),
        TypeRef.LinkedList list => Embedded(list.Node),
        TypeRef.Primitive or TypeRef.FixedOpaque or TypeRef.VariableOpaque or TypeRef.String => Enumerable.Empty<TypeRef.Named>(),
        _ => throw TypeRef.Unhandled(type),
    };
}
