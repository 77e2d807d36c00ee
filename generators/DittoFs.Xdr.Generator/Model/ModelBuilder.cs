using System.Collections.Generic;
using System.Linq;
using DittoFs.Xdr.Generator.Diagnostics;
using DittoFs.Xdr.Generator.Parsing;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// Resolves the syntax of all .x files together (they share one namespace of names) into the model, pass by
/// pass: declare every name, find the self-linked lists, resolve constants, types and programs, then check the
/// result. Every semantic error is reported as a diagnostic.
/// </summary>
internal static class ModelBuilder
{
    /// <summary>How long a chain of typedefs or of constants defined by constants may be (resolved recursively).</summary>
    public const int MaxChain = 256;

    /// <summary>One model per C# namespace (<see cref="NamespaceGroups"/>), each resolved on its own.</summary>
    public static List<XdrModel> BuildAll(string rootNamespace, IReadOnlyList<XdrFileSyntax> files)
    {
        var models = new List<XdrModel>();
        var reported = new HashSet<DiagnosticInfo>();
        foreach (var group in NamespaceGroups.Split(rootNamespace, files))
        {
            var model = Build(group.Namespace, group.Files) with { HintPrefix = group.HintPrefix };
            var diagnostics = group.Diagnostics.ToEquatableArray().Concat(model.Diagnostics);
            // A file included into two namespaces has its errors in both: report them once (the model still has errors, so is not emitted).
            var fresh = diagnostics.Where(reported.Add).ToList();
            bool hasErrors = diagnostics.Any();
            models.Add(model with { Diagnostics = fresh.ToEquatableArray(), Blocked = hasErrors && fresh.Count == 0 });
        }
        return models;
    }

    public static XdrModel Build(string rootNamespace, IReadOnlyList<XdrFileSyntax> files)
    {
        var diagnostics = new DiagnosticList();
        foreach (var file in files)
            diagnostics.AddRange(file.Diagnostics);
        var names = new CsTypeNames(diagnostics);
        names.ClaimFileNames(files);
        var declarations = Declarations.Collect(files, diagnostics);
        var constants = new Constants(declarations, diagnostics);
        var types = new TypeResolver(declarations, LinkedLists.FindNodes(declarations), constants, names, diagnostics);
        var programs = new ProgramResolver(types, constants, names, diagnostics);
        var constantModels = new List<ConstantModel>();

        var definitions = files.SelectMany(file => file.Definitions.Select(definition => (Definition: definition, File: file.Path))).ToList();
        // Enums first: union case labels need their members whatever the order of definitions.
        foreach (var (definition, file) in definitions.Where(d => d.Definition is EnumSyntax))
            types.Resolve(definition, file);
        foreach (var (definition, file) in definitions.Where(d => d.Definition is not EnumSyntax))
        {
            switch (definition)
            {
                case ConstSyntax constant:
                    if (constants.Resolve(constant, file) is ConstantModel model)
                        constantModels.Add(model);
                    break;
                case ProgramSyntax program:
                    programs.Resolve(program, file);
                    break;
                default:
                    types.Resolve(definition, file);
                    break;
            }
        }
        ValueRecursion.Check(types.Structs, types.Unions, declarations, diagnostics);

        return new XdrModel(
            rootNamespace,
            files.Select(f => f.Path).ToEquatableArray(),
            constantModels.ToEquatableArray(),
            types.Enums.ToEquatableArray(),
            types.Aliases.ToEquatableArray(),
            FixedSizes.Apply(types.Structs).ToEquatableArray(),
            types.Unions.ToEquatableArray(),
            programs.Programs.ToEquatableArray(),
            diagnostics.ToEquatableArray());
    }
}
