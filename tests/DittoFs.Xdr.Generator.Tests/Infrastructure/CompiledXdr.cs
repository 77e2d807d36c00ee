using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DittoFs.Xdr.Generator.Tests.Infrastructure;

/// <summary>
/// Generated code compiled into an in-memory assembly, loaded in a collectible context (unloaded on
/// dispose). DittoFs.Xdr resolves to the test's own copy, so runtime types like <see cref="XdrError"/>
/// cross the boundary as themselves.
/// </summary>
public sealed class CompiledXdr : IDisposable
{
    private readonly AssemblyLoadContext _context;

    private CompiledXdr(AssemblyLoadContext context, Assembly assembly)
    {
        _context = context;
        Assembly = assembly;
    }

    public Assembly Assembly { get; }

    public static CompiledXdr Load(Compilation generated, string probe, IReadOnlyDictionary<string, string> sources)
    {
        string probeSource = $$"""
            using System;
            using System.Linq;
            using System.Threading;
            using System.Threading.Tasks;
            using DittoFs.Xdr;

            namespace {{GeneratorHarness.Namespace}};

            public static class Probe
            {
                public static XdrError ErrorOf<T>(byte[] bytes) where T : IXdrCodec<T>
                {
                    XdrCodec.TryDecode<T, T>(bytes, out _, out var error);
                    return error;
                }

            {{probe}}
            }
            """;
        var compilation = generated.AddSyntaxTrees(CSharpSyntaxTree.ParseText(probeSource, GeneratorHarness.ParseOptions, path: "Probe.cs"));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        var problems = emitted.Diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error
                || (d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath != "Probe.cs"))
            .ToList();
        if (problems.Count > 0)
        {
            string listing = string.Join("\n\n", sources.Select(s => $"// ---- {s.Key}\n{s.Value}"));
            Assert.Fail($"The generated code does not compile cleanly:\n{string.Join("\n", problems)}\n\n{listing}\n// ---- Probe.cs\n{probeSource}");
        }
        image.Position = 0;
        var context = new AssemblyLoadContext("xdr-" + Guid.NewGuid().ToString("N"), isCollectible: true);
        return new CompiledXdr(context, context.LoadFromStream(image));
    }

    /// <summary>A generated type by its C# name.</summary>
    public Type Type(string name) =>
        Assembly.GetType($"{GeneratorHarness.Namespace}.{name}") ?? throw new AssertionException($"No generated type '{name}'.");

    /// <summary>Calls a static method of the probe class.</summary>
    public object? Call(string method, params object?[] arguments)
    {
        var info = Type("Probe").GetMethod(method, BindingFlags.Public | BindingFlags.Static)
            ?? throw new AssertionException($"No probe method '{method}'.");
        try
        {
            return info.Invoke(null, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    public T Call<T>(string method, params object?[] arguments) => (T)Call(method, arguments)!;

    /// <summary>The value of a generated <c>const</c>.</summary>
    public object? Constant(string type, string name) =>
        Type(type).GetField(name, BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue()
        ?? throw new AssertionException($"No constant {type}.{name}.");

    public void Dispose() => _context.Unload();
}
