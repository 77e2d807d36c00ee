using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using DittoFs.Xdr.Generator.Diagnostics;
using DittoFs.Xdr.Generator.Emit;
using DittoFs.Xdr.Generator.Model;
using DittoFs.Xdr.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace DittoFs.Xdr.Generator;

/// <summary>
/// Compiles the .x files given as AdditionalFiles into C#: parse each file (cached per file), resolve all
/// of them into one value-equatable model (cached as a whole), emit one source per .x file.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class XdrGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names, so tests can check which steps were cached.</summary>
    public const string ParseStep = "XdrParse";
    public const string ModelStep = "XdrModel";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var files = context.AdditionalTextsProvider
            .Where(text => text.Path.EndsWith(".x", StringComparison.OrdinalIgnoreCase))
            .Select((text, cancellationToken) => Parse(text, cancellationToken))
            .WithTrackingName(ParseStep);

        var rootNamespace = context.AnalyzerConfigOptionsProvider.Select((options, _) =>
            options.GlobalOptions.TryGetValue("build_property.RootNamespace", out var ns) && !string.IsNullOrWhiteSpace(ns) ? ns : "Xdr");

        var model = files.Collect().Combine(rootNamespace)
            .Select((input, _) => Build(input.Right, input.Left))
            .WithTrackingName(ModelStep);

        context.RegisterSourceOutput(model, Emit);
    }

    private static XdrFileSyntax Parse(AdditionalText file, CancellationToken cancellationToken)
    {
        try
        {
            return XdrParser.ParseFile(file.Path, file.GetText(cancellationToken)?.ToString() ?? "");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new XdrFileSyntax(file.Path, EquatableArray<DefinitionSyntax>.Empty, new[] { InternalError(file.Path, e) }.ToEquatableArray());
        }
    }

    private static XdrModel Build(string rootNamespace, ImmutableArray<XdrFileSyntax> files)
    {
        var ordered = files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        try
        {
            return ModelBuilder.Build(rootNamespace, ordered);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var empty = EquatableArray<ConstantModel>.Empty;
            return new XdrModel(rootNamespace, EquatableArray<string>.Empty, empty, EquatableArray<EnumModel>.Empty,
                EquatableArray<StructModel>.Empty, EquatableArray<UnionModel>.Empty, EquatableArray<ProgramModel>.Empty,
                new[] { InternalError(ordered.FirstOrDefault()?.Path ?? "", e) }.ToEquatableArray());
        }
    }

    // A generator must never throw; a bug of ours is reported like any other error in the .x files.
    private static DiagnosticInfo InternalError(string path, Exception e) =>
        new(XdrDiagnostics.Unsupported, $"XDR generator internal error: {e.GetType().Name}: {e.Message}", path, 0, 1, 1, 0);

    private static void Emit(SourceProductionContext context, XdrModel model)
    {
        foreach (var diagnostic in model.Diagnostics)
            context.ReportDiagnostic(diagnostic.ToDiagnostic());
        if (model.Diagnostics.Count > 0)
            return; // emitting half a model only buries the real error under follow-on C# errors
        try
        {
            foreach (var file in model.Files)
                context.AddSource(FileEmitter.HintName(file), FileEmitter.EmitFile(model, file));
            context.AddSource(FileEmitter.SharedCodecsHint, FileEmitter.EmitSharedCodecs(model));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.ReportDiagnostic(InternalError(model.Files.FirstOrDefault() ?? "", e).ToDiagnostic());
        }
    }
}
