using System.Reflection;
using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests.Support;

/// <summary>One generated codec under test, reached through reflection but called without it.</summary>
public interface ICodecCase
{
    Type ValueType { get; }
    Type CodecType { get; }

    /// <summary>The bound of the whole value when it is an opaque or list (shared codecs), else unbounded.</summary>
    XdrBound Bound { get; }

    /// <summary>
    /// Encodes, checking that SizeOf matched the bytes written. The buffer starts full of <paramref name="fill"/>,
    /// as a reused pooled buffer would be, so padding the encoder forgot to zero shows up in the bytes.
    /// </summary>
    byte[] Encode(object value, byte fill = 0xCC);

    /// <summary>Decodes <paramref name="bytes"/> completely: the value, the error and how far the reader got.</summary>
    (object Value, XdrError Error, int Consumed) Decode(ReadOnlyMemory<byte> bytes);
}

public sealed class CodecCase<T, TCodec> : ICodecCase where TCodec : IXdrCodec<T>
{
    public Type ValueType => typeof(T);
    public Type CodecType => typeof(TCodec);
    public XdrBound Bound => XdrBounds.OfSharedCodec(typeof(TCodec));

    public byte[] Encode(object value, byte fill = 0xCC) => EncodeValue((T)value, fill);

    public (object Value, XdrError Error, int Consumed) Decode(ReadOnlyMemory<byte> bytes)
    {
        var (value, error, consumed) = DecodeValue(bytes);
        return (value!, error, consumed);
    }

    public static byte[] EncodeValue(in T value, byte fill = 0xCC)
    {
        int size = TCodec.SizeOf(in value);
        var bytes = new byte[size];
        bytes.AsSpan().Fill(fill);
        var writer = new XdrWriter(bytes);
        TCodec.Write(ref writer, in value);
        if (writer.Position != size)
            throw new InvalidOperationException($"{typeof(TCodec).Name}.SizeOf said {size} bytes, Write wrote {writer.Position}.");
        return bytes;
    }

    public static (T Value, XdrError Error, int Consumed) DecodeValue(ReadOnlyMemory<byte> bytes)
    {
        var reader = new XdrReader(bytes);
        var value = TCodec.Read(ref reader);
        return (value, reader.Error, reader.Position);
    }

    public override string ToString() => typeof(TCodec) == typeof(T) ? typeof(T).Name : typeof(TCodec).Name;
}

/// <summary>Finds every codec the generator emitted into an assembly.</summary>
public static class CodecCases
{
    public static IEnumerable<ICodecCase> In(Assembly assembly) =>
        from codec in assembly.GetTypes()
        where codec.IsValueType && codec.IsPublic
        from contract in codec.GetInterfaces()
        where contract.IsGenericType && contract.GetGenericTypeDefinition() == typeof(IXdrCodec<>)
        let value = contract.GetGenericArguments()[0]
        orderby codec.Name
        select For(value, codec);

    public static ICodecCase For(Type value, Type codec) =>
        (ICodecCase)Activator.CreateInstance(typeof(CodecCase<,>).MakeGenericType(value, codec))!;

    public static ICodecCase For<T, TCodec>() where TCodec : IXdrCodec<T> => new CodecCase<T, TCodec>();

    /// <summary>The protocol assembly (every idl/*.x).</summary>
    public static readonly Assembly Protocol = typeof(NfsV3Program).Assembly;
}
