using DittoFs.Xdr;

namespace DittoFs.Rpc.Tests;

/// <summary>Procedure numbers of <see cref="TestProgram"/>.</summary>
internal static class TestProcedure
{
    public const uint Null = 0;
    /// <summary>opaque&lt;&gt; in, the same bytes out.</summary>
    public const uint Echo = 1;
    /// <summary>A gate number in; waits at that gate of <see cref="TestProgram.Gates"/>, then returns the number.</summary>
    public const uint Gated = 2;
    /// <summary>Throws before returning a task.</summary>
    public const uint Throw = 3;
    /// <summary>Throws from an asynchronous continuation.</summary>
    public const uint ThrowLater = 4;
    /// <summary>Returns the <see cref="CallerIdentity"/> of the call.</summary>
    public const uint WhoAmI = 5;
    /// <summary>Waits for the call's cancellation token, then returns 1 normally (a cooperative service).</summary>
    public const uint FinishOnCancel = 6;
    /// <summary>Waits for the call's cancellation token and lets the OperationCanceledException out.</summary>
    public const uint AbortOnCancel = 7;
    /// <summary>Not implemented: answered PROC_UNAVAIL.</summary>
    public const uint Missing = 99;
}

/// <summary>
/// A small hand-written program for transport tests (number in the RFC 5531 "defined by user" range
/// 0x20000000-0x3fffffff). Procedures complete synchronously or asynchronously on purpose, to cover both
/// of the server's dispatch paths. Several versions share one <see cref="Gates"/> instance.
/// </summary>
internal sealed class TestProgram(uint version, Gates gates) : IXdrProgram<RpcCallContext>
{
    public const uint Number = 0x2000_1234;

    private int _nullCalls;

    public uint Program => Number;
    public uint Version => version;
    public Gates Gates => gates;
    public int NullCalls => Volatile.Read(ref _nullCalls);

    public ValueTask<XdrDispatchResult> DispatchAsync(uint procedure, ReadOnlyMemory<byte> arguments, RpcCallContext context, XdrBufferWriter results)
    {
        switch (procedure)
        {
            case TestProcedure.Null:
                Interlocked.Increment(ref _nullCalls);
                return Done();
            case TestProcedure.Echo:
            {
                var reader = new XdrReader(arguments);
                var data = OpaqueCodec.Read(ref reader);
                if (reader.HasError)
                    return new(XdrDispatchResult.GarbageArguments);
                results.Write<ReadOnlyMemory<byte>, OpaqueCodec>(data);
                return Done();
            }
            case TestProcedure.Gated:
            {
                var reader = new XdrReader(arguments);
                uint gate = reader.ReadUInt32();
                if (reader.HasError)
                    return new(XdrDispatchResult.GarbageArguments);
                return PassGateAsync(gate, results);
            }
            case TestProcedure.Throw:
                throw new InvalidOperationException("The service failed.");
            case TestProcedure.ThrowLater:
                return ThrowLaterAsync();
            case TestProcedure.WhoAmI:
                results.Write<CallerIdentity, CallerIdentity>(CallerIdentity.From(context));
                return Done();
            case TestProcedure.FinishOnCancel:
                return FinishOnCancelAsync(context.CancellationToken, results);
            case TestProcedure.AbortOnCancel:
                return AbortOnCancelAsync(context.CancellationToken);
            default:
                return new(XdrDispatchResult.ProcedureUnavailable);
        }
    }

    private static ValueTask<XdrDispatchResult> Done() => new(XdrDispatchResult.Success);

    private async ValueTask<XdrDispatchResult> PassGateAsync(uint id, XdrBufferWriter results)
    {
        var gate = gates[id];
        gate.Enter();
        await gate.Opened.ConfigureAwait(false);
        results.Write<uint, XdrUInt32Codec>(id);
        return XdrDispatchResult.Success;
    }

    private static async ValueTask<XdrDispatchResult> ThrowLaterAsync()
    {
        await Task.Yield();
        throw new InvalidOperationException("The service failed later.");
    }

    private async ValueTask<XdrDispatchResult> FinishOnCancelAsync(CancellationToken cancellation, XdrBufferWriter results)
    {
        gates[TestProcedure.FinishOnCancel].Enter();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Cancelled: wrap up and answer.
        }
        results.Write<uint, XdrUInt32Codec>(1);
        return XdrDispatchResult.Success;
    }

    private async ValueTask<XdrDispatchResult> AbortOnCancelAsync(CancellationToken cancellation)
    {
        gates[TestProcedure.AbortOnCancel].Enter();
        await Task.Delay(Timeout.Infinite, cancellation).ConfigureAwait(false);
        return XdrDispatchResult.Success;
    }
}
