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
/// of them into one value-equatable model (their names are one namespace), then slice the model per .x file
/// and emit each slice on its own, so an edit re-emits only the sources whose slice it changed.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class XdrGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names, so tests can check which steps were cached.</summary>
    public const string ParseStep = "XdrParse";
    public const string ModelStep = "XdrModel";
    public const string FileEmitStep = "XdrFileEmit";
    public const string SharedCodecsEmitStep = "XdrSharedCodecsEmit";

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

        context.RegisterSourceOutput(model.Select((m, _) => m.Diagnostics), Report);

        // Each slice is compared with the one at its position in the last run: an equal slice is not emitted again.
        var fileSources = model
            .SelectMany((m, _) => Emittable(m) ? m.Files.Select(path => FileModel.Of(m, path)) : Enumerable.Empty<FileModel>())
            .Select((file, _) => Emit(FileEmitter.HintName(file.Path), file.Path, () => FileEmitter.EmitFile(file)))
            .WithTrackingName(FileEmitStep);
        context.RegisterSourceOutput(fileSources, AddSource);

        var sharedSources = model
            .SelectMany((m, _) => Emittable(m) ? new[] { FileEmitter.SharedCodecs(m) } : Enumerable.Empty<SharedCodecsModel>())
            .Select((codecs, _) => Emit(FileEmitter.SharedCodecsHint, "", () => FileEmitter.EmitSharedCodecs(codecs)))
            .WithTrackingName(SharedCodecsEmitStep);
        context.RegisterSourceOutput(sharedSources, AddSource);
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
            return new XdrModel(rootNamespace, EquatableArray<string>.Empty, empty, EquatableArray<EnumModel>.Empty, EquatableArray<AliasModel>.Empty,
                EquatableArray<StructModel>.Empty, EquatableArray<UnionModel>.Empty, EquatableArray<ProgramModel>.Empty,
                new[] { InternalError(ordered.FirstOrDefault()?.Path ?? "", e) }.ToEquatableArray());
        }
    }

    // Emitting half a model only buries the real error under follow-on C# errors.
    private static bool Emittable(XdrModel model) => model.Diagnostics.Count == 0;

    private static EmittedSource Emit(string hintName, string path, Func<string> emit)
    {
        try
        {
            return new EmittedSource(hintName, emit(), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new EmittedSource(hintName, "", InternalError(path, e));
        }
    }

    // A generator must never throw; a bug of ours is reported like any other error in the .x files.
    private static DiagnosticInfo InternalError(string path, Exception e) =>
        new(XdrDiagnostics.Unsupported, $"XDR generator internal error: {e.GetType().Name}: {e.Message}", path, 0, 1, 1, 0);

    private static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
            context.ReportDiagnostic(diagnostic.ToDiagnostic());
    }

    private static void AddSource(SourceProductionContext context, EmittedSource source)
    {
        if (source.Error is not null)
            context.ReportDiagnostic(source.Error.ToDiagnostic());
        else
            context.AddSource(source.HintName, source.Text);
    }
}
