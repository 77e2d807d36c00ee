using System;
using System.Collections.Generic;
using System.Linq;
using DittoFs.Xdr.Generator.Diagnostics;
using DittoFs.Xdr.Generator.Parsing;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// The first pass: every name the .x files define, in one namespace for types, constants and enum members
/// (as in C), each with the file defining it. A name defined twice keeps its first definition; the second is
/// reported here and skipped by the later passes.
/// </summary>
internal sealed class Declarations
{
    private readonly Dictionary<string, (DefinitionSyntax Definition, string File)> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ValueSyntax Value, string File)> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SourcePosition> _positions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);
    private readonly DiagnosticList _diagnostics;

    private Declarations(DiagnosticList diagnostics) => _diagnostics = diagnostics;

    public static Declarations Collect(IReadOnlyList<XdrFileSyntax> files, DiagnosticList diagnostics)
    {
        var declarations = new Declarations(diagnostics);
        foreach (var file in files)
            foreach (var definition in file.Definitions)
                declarations.Declare(definition, file.Path);
        // %#define lines name values C code sees; a name no definition has takes its value from one (first wins).
        foreach (var file in files)
            foreach (var define in file.PassThroughDefines)
                if (!declarations._positions.ContainsKey(define.Name) && !declarations._values.ContainsKey(define.Name))
                    declarations._values[define.Name] = (define.Value, file.Path);
        return declarations;
    }

    /// <summary>Structs, unions, enums and typedefs by name.</summary>
    public IReadOnlyDictionary<string, (DefinitionSyntax Definition, string File)> Types => _types;

    /// <summary>Constants and enum members by name: the expressions defining their values.</summary>
    public IReadOnlyDictionary<string, (ValueSyntax Value, string File)> Values => _values;

    /// <summary>Where a top-level name is defined.</summary>
    public bool TryGetPosition(string name, out SourcePosition position) => _positions.TryGetValue(name, out position);

    /// <summary>True when <paramref name="definition"/> is the one its name stands for (not a reported duplicate).</summary>
    public bool IsDefinitionOf(DefinitionSyntax definition) => definition switch
    {
        ConstSyntax constant => _values.TryGetValue(constant.Name, out var own) && ReferenceEquals(own.Value, constant.Value),
        ProgramSyntax => true, // programs are not referred to by name; their generated type names are claimed instead
        _ => _types.TryGetValue(definition.Name, out var own) && ReferenceEquals(own.Definition, definition),
    };

    private bool DeclareName(string name, string file, SourcePosition position)
    {
        if (_positions.TryGetValue(name, out var previous))
        {
            string other = _files[name];
            string where = other == file
                ? $"it is already defined at line {previous.Line}"
                : $"it is already defined in '{other}' at line {previous.Line}. The .x files of one C# namespace share their names;"
                  + $" to generate '{System.IO.Path.GetFileName(file)}' in a namespace of its own, give its item XdrNamespace metadata:"
                  + $" <AdditionalFiles Include=\"{System.IO.Path.GetFileName(file)}\" XdrNamespace=\"...\" />";
            _diagnostics.Report(XdrDiagnostics.Duplicate, $"Duplicate name '{name}': {where}", file, position, name.Length);
            return false;
        }
        _positions[name] = position;
        _files[name] = file;
        return true;
    }

    /// <summary>
    /// TRUE and FALSE are predefined (the values of bool, RFC 4506 §4.4). rpcgen does not predefine them, so a
    /// file may say <c>const TRUE = 1;</c>: that is the same constant and is accepted; another value is refused.
    /// </summary>
    private bool DeclarePredefined(ConstSyntax constant, string file)
    {
        if (constant.Name is not ("TRUE" or "FALSE"))
            return true;
        long expected = constant.Name == "TRUE" ? 1 : 0;
        if (constant.Value is NumberValueSyntax { Unsigned64: false } number && number.Value == expected)
            return true;
        _diagnostics.Report(XdrDiagnostics.Duplicate, $"Duplicate name '{constant.Name}': it is predefined as {expected} (the bool value)", file, constant.Position, constant.Name.Length);
        return false;
    }

    private void Declare(DefinitionSyntax definition, string file)
    {
        switch (definition)
        {
            case ConstSyntax constant:
                if (DeclarePredefined(constant, file) && DeclareName(constant.Name, file, constant.Position))
                    _values[constant.Name] = (constant.Value, file);
                break;
            case ProgramSyntax program:
                DeclareName(program.Name, file, program.Position);
                break;
            case TypedefSyntax typedef when IsTagTypedef(typedef):
                break; // typedef struct foo foo; the C idiom: the name already means that type
            default:
                if (DeclareName(definition.Name, file, definition.Position))
                    _types[definition.Name] = (definition, file);
                foreach (var body in InlineEnums(definition))
                    foreach (var member in body.Members)
                        if (member.Name is "TRUE" or "FALSE")
                            _diagnostics.Report(XdrDiagnostics.Duplicate, $"Duplicate name '{member.Name}': it is predefined (the bool value)", file, member.Position, member.Name.Length);
                        else if (DeclareName(member.Name, file, member.Position))
                            _values[member.Name] = (member.Value, file);
                break;
        }
    }

    /// <summary><c>typedef struct foo foo;</c> (nis.x): rpcgen's C header already says it, so it adds nothing.</summary>
    private static bool IsTagTypedef(TypedefSyntax typedef) =>
        typedef.Declaration is { Kind: DeclarationKind.Plain, Type: { Kind: TypeSpecKind.Named, Tag: not TagKind.None, Name: string target } } && target == typedef.Name;

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
}
