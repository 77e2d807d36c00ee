using DittoFs.Xdr;

namespace DittoFs.Rpc.Tests;

/// <summary>Variable-length opaque without a bound (opaque&lt;&gt;), the argument and result of the echo procedure.</summary>
internal readonly struct OpaqueCodec : IXdrCodec<ReadOnlyMemory<byte>>
{
    public static ReadOnlyMemory<byte> Read(ref XdrReader reader) => reader.ReadOpaque(uint.MaxValue);
    public static void Write(ref XdrWriter writer, in ReadOnlyMemory<byte> value) => writer.WriteOpaque(value.Span, uint.MaxValue);
    public static int SizeOf(in ReadOnlyMemory<byte> value) => XdrSize.Opaque(value.Length);
}
