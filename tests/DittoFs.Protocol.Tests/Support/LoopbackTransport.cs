using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests.Support;

/// <summary>
/// A client transport that hands each call straight to a server-side dispatcher in the same process: the
/// generated client stub and dispatcher meet on the encoded bytes, with no RPC header or socket between.
/// </summary>
public sealed class LoopbackTransport(params IXdrProgram<object?>[] programs) : IXdrCallTransport
{
    public byte[]? LastArguments { get; private set; }
    public uint LastProcedure { get; private set; }

    public async ValueTask<ReadOnlyMemory<byte>> CallAsync<TArguments, TCodec>(uint program, uint version, uint procedure, TArguments arguments, CancellationToken cancellationToken)
        where TCodec : IXdrCodec<TArguments>
    {
        var server = programs.FirstOrDefault(p => p.Program == program && p.Version == version)
            ?? throw new InvalidOperationException($"PROG_UNAVAIL: no program {program} version {version}");
        LastArguments = XdrCodec.Encode<TArguments, TCodec>(in arguments);
        LastProcedure = procedure;
        using var results = new XdrBufferWriter(64);
        var outcome = await server.DispatchAsync(procedure, LastArguments, null, results);
        if (outcome != XdrDispatchResult.Success)
            throw new InvalidOperationException($"Call of procedure {procedure} of program {program} failed: {outcome}");
        // The pooled buffer goes back when this returns; the caller owns a copy.
        return results.WrittenMemory.ToArray();
    }
}
