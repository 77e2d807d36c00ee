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

    /// <summary>The AdditionalFiles metadata naming the C# namespace a .x file is generated into.</summary>
    public const string NamespaceMetadata = "build_metadata.AdditionalFiles.XdrNamespace";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // A file's XdrNamespace item metadata (<AdditionalFiles Include="a.x" XdrNamespace="A" />, made visible by
        // CompilerVisibleItemMetadata) is read before parsing, so each file's parse stays cached on its own.
        var files = context.AdditionalTextsProvider
            .Where(text => text.Path.EndsWith(".x", StringComparison.OrdinalIgnoreCase))
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select((pair, _) => (Text: pair.Left, Namespace: pair.Right.GetOptions(pair.Left).TryGetValue(NamespaceMetadata, out var ns) && !string.IsNullOrWhiteSpace(ns) ? ns.Trim() : null))
            .Select((file, cancellationToken) => Parse(file.Text, file.Namespace, cancellationToken))
            .WithTrackingName(ParseStep);

        var rootNamespace = context.AnalyzerConfigOptionsProvider.Select((options, _) =>
            options.GlobalOptions.TryGetValue("build_property.RootNamespace", out var ns) && !string.IsNullOrWhiteSpace(ns) ? ns : "Xdr");

        var model = files.Collect().Combine(rootNamespace)
            .Select((input, _) => Build(input.Right, input.Left))
            .WithTrackingName(ModelStep);

        context.RegisterSourceOutput(model.Select((models, _) => models.SelectMany(m => m.Diagnostics).ToEquatableArray()), Report);

        // Each slice is compared with the one at its position in the last run: an equal slice is not emitted again.
        var fileSources = model
            .SelectMany((models, _) => models.Where(Emittable).SelectMany(m => m.Files.Select(path => FileModel.Of(m, path))))
            .Select((file, _) => Emit(file.HintPrefix + FileEmitter.HintName(file.Path), file.Path, () => FileEmitter.EmitFile(file)))
            .WithTrackingName(FileEmitStep);
        context.RegisterSourceOutput(fileSources, AddSource);

        var sharedSources = model
            .SelectMany((models, _) => models.Where(Emittable).Select(FileEmitter.SharedCodecs))
            .Select((codecs, _) => Emit(codecs.HintPrefix + FileEmitter.SharedCodecsHint, "", () => FileEmitter.EmitSharedCodecs(codecs)))
            .WithTrackingName(SharedCodecsEmitStep);
        context.RegisterSourceOutput(sharedSources, AddSource);
    }

    private static XdrFileSyntax Parse(AdditionalText file, string? ns, CancellationToken cancellationToken)
    {
        try
        {
            return XdrParser.ParseFile(file.Path, file.GetText(cancellationToken)?.ToString() ?? "", ns);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new XdrFileSyntax(file.Path, EquatableArray<DefinitionSyntax>.Empty, new[] { InternalError(file.Path, e) }.ToEquatableArray(), Namespace: ns);
        }
    }

    /// <summary>One model per C# namespace the files are generated into.</summary>
    private static EquatableArray<XdrModel> Build(string rootNamespace, ImmutableArray<XdrFileSyntax> files)
    {
        var ordered = files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        try
        {
            return ModelBuilder.BuildAll(rootNamespace, ordered).ToEquatableArray();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var empty = EquatableArray<ConstantModel>.Empty;
            return new[]
            {
                new XdrModel(rootNamespace, EquatableArray<string>.Empty, empty, EquatableArray<EnumModel>.Empty, EquatableArray<AliasModel>.Empty,
                    EquatableArray<StructModel>.Empty, EquatableArray<UnionModel>.Empty, EquatableArray<ProgramModel>.Empty,
                    new[] { InternalError(ordered.FirstOrDefault()?.Path ?? "", e) }.ToEquatableArray()),
            }.ToEquatableArray();
        }
    }

    // Emitting half a model only buries the real error under follow-on C# errors.
    private static bool Emittable(XdrModel model) => model.Diagnostics.Count == 0 && !model.Blocked;

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
