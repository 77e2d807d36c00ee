namespace DittoFs.Xdr.Generator.Tests.Infrastructure;

/// <summary>
/// A fixture whose tests share one .x text compiled once, with a probe: C# written against the generated
/// types the way a caller would write it (members of <c>Probe</c>; <c>Probe.ErrorOf&lt;T&gt;(bytes)</c> is
/// there to decode and return the <see cref="XdrError"/>).
/// </summary>
public abstract class CompiledXdrFixture
{
    private CompiledXdr? _compiled;

    protected abstract string Xdr { get; }

    protected abstract string Probe { get; }

    protected CompiledXdr Compiled => _compiled ?? throw new InvalidOperationException("Not compiled.");

    [OneTimeSetUp]
    public void CompileXdr() => _compiled = GeneratorHarness.Run(Xdr).Compile(Probe);

    [OneTimeTearDown]
    public void Unload() => _compiled?.Dispose();

    /// <summary>Calls a probe method that returns encoded bytes, as hex words.</summary>
    protected string Encoded(string method, params object?[] arguments) => Hex.Words(Compiled.Call<byte[]>(method, arguments));

    /// <summary>Calls a probe method with the bytes of <paramref name="hex"/>.</summary>
    protected T Decode<T>(string method, string hex) => Compiled.Call<T>(method, Hex.Bytes(hex));
}
