using System.Buffers.Binary;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Nfs;

/// <summary>
/// The server's NFSv4 program (100003 v4): the generated <see cref="Nfs4V4Dispatcher{TContext}"/>, except that a
/// COMPOUND holding an operation number the protocol does not define still runs. RFC 8881 §16.2.3 (and RFC 7530's COMPOUND,
/// §15.2):
/// an operation below OP_ACCESS or past the last one is answered with a result of OP_ILLEGAL whose status is
/// NFS4ERR_OP_ILLEGAL, after the operations before it ran, and the COMPOUND stops there. Strict XDR cannot decode such a
/// COMPOUND (<c>nfs_opnum4</c> is an enum, and an unknown operation's arguments have no known length), so the generated
/// decoder refuses it with GARBAGE_ARGS.
/// <para>
/// Why here and not in the generated codec: the codec is the client's too, and encoding or decoding an undefined enum
/// value is an error there; and nothing after an unknown operation can be decoded, so "an unknown discriminant becomes
/// this arm" would still need a list that ends early, which is COMPOUND's rule, not XDR's. So the generated decoder runs
/// first (every valid COMPOUND takes that path and costs nothing more); only when it fails are the operations read
/// again one by one, each through the generated <see cref="NfsArgop4"/> decoder, up to the first undefined operation
/// number, which becomes an OP_ILLEGAL operation (a void arm of <c>nfs_argop4</c>) ending the list. The service then
/// answers it as it answers OP_ILLEGAL sent as such (ILLEGAL, RFC 8881 §18.52: the response is ILLEGAL4res "just as it
/// would be with any other invalid operation code"). Arguments that fail to decode before it are GARBAGE_ARGS still, the "traditional
/// one-pass XDR decode" RFC 7530's COMPOUND allows.
/// </para>
/// </summary>
public sealed class Nfs4Dispatcher<TContext>(INfs4V4<TContext> service) : IXdrProgram<TContext>
{
    private readonly Nfs4V4Dispatcher<TContext> _generated = new(service);

    public uint Program => Nfs4V4Program.Program;
    public uint Version => Nfs4V4Program.Version;

    public ValueTask<XdrDispatchResult> DispatchAsync(uint procedure, ReadOnlyMemory<byte> arguments, TContext context, XdrBufferWriter results)
    {
        if (procedure != (uint)Nfs4V4Procedure.Compound)
        {
            return _generated.DispatchAsync(procedure, arguments, context, results);
        }
        var reader = new XdrReader(arguments);
        var decoded = Compound4Args.Read(ref reader);
        if (reader.HasError && !TryReadUpToIllegal(arguments, out decoded))
        {
            return new ValueTask<XdrDispatchResult>(XdrDispatchResult.GarbageArguments);
        }
        return XdrDispatch.Complete<Compound4Res, Compound4Res>(service.CompoundAsync(decoded, context), results);
    }

    /// <summary>
    /// The COMPOUND's operations up to the first whose number <c>nfs_opnum4</c> does not define, followed by OP_ILLEGAL in
    /// its place; false if the arguments fail to decode before such an operation (or have none).
    /// </summary>
    internal static bool TryReadUpToIllegal(ReadOnlyMemory<byte> arguments, out Compound4Args decoded)
    {
        decoded = default;
        var reader = new XdrReader(arguments);
        var tag = Utf8strCs.Read(ref reader);
        uint minorVersion = reader.ReadUInt32();
        int count = reader.ReadArrayCount(uint.MaxValue);
        int start = reader.Position;
        for (int i = 0; i < count && !reader.HasError; i++)
        {
            if (reader.Remaining >= 4 && !NfsOpnum4Codec.IsDefined((NfsOpnum4)BinaryPrimitives.ReadInt32BigEndian(reader.RemainingMemory.Span)))
            {
                decoded = new Compound4Args { Tag = tag, Minorversion = minorVersion, Argarray = EndedByIllegal(reader.SliceFrom(start), i) };
                return true;
            }
            NfsArgop4.Read(ref reader);
        }
        return false;
    }

    /// <summary>The <paramref name="count"/> operations encoded in <paramref name="operations"/>, and OP_ILLEGAL after them.</summary>
    private static XdrList<NfsArgop4, NfsArgop4> EndedByIllegal(ReadOnlyMemory<byte> operations, int count)
    {
        // A copy with OP_ILLEGAL appended, decoded as a list like any other: only a call with an unknown operation pays it.
        var encoded = new byte[operations.Length + 4];
        operations.Span.CopyTo(encoded);
        BinaryPrimitives.WriteInt32BigEndian(encoded.AsSpan(operations.Length), (int)NfsOpnum4.OpIllegal);
        var reader = new XdrReader(encoded);
        var list = XdrList<NfsArgop4, NfsArgop4>.ReadFixed(ref reader, count + 1);
        reader.ThrowIfError(); // decoded once already: cannot fail
        return list;
    }
}
