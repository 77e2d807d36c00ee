namespace DittoFs.Xdr;

/// <summary>
/// The codec of an XDR type. Generated structs implement it for themselves; lists and dispatchers use it
/// through generic constraints, so no call boxes or allocates.
/// </summary>
public interface IXdrCodec<T>
{
    static abstract T Read(ref XdrReader reader);
    static abstract void Write(ref XdrWriter writer, in T value);
    static abstract int SizeOf(in T value);
}

/// <summary>The XDR void: no bytes. Used as the argument of procedures declared with (void).</summary>
public readonly struct XdrVoid : IXdrCodec<XdrVoid>
{
    public static XdrVoid Read(ref XdrReader reader) => default;
    public static void Write(ref XdrWriter writer, in XdrVoid value) { }
    public static int SizeOf(in XdrVoid value) => 0;
}

/// <summary>Encode and decode whole messages with a type's codec (the type itself for generated structs and unions).</summary>
public static class XdrCodec
{
    /// <summary>Decodes a whole value; false (and the reason) if the input is malformed.</summary>
    public static bool TryDecode<T, TCodec>(ReadOnlyMemory<byte> input, out T value, out XdrError error) where TCodec : IXdrCodec<T>
    {
        var reader = new XdrReader(input);
        value = TCodec.Read(ref reader);
        error = reader.Error;
        return !reader.HasError;
    }

    /// <summary>Decodes a whole value or throws <see cref="XdrDecodeException"/>.</summary>
    public static T Decode<T, TCodec>(ReadOnlyMemory<byte> input) where TCodec : IXdrCodec<T>
    {
        var reader = new XdrReader(input);
        var value = TCodec.Read(ref reader);
        reader.ThrowIfError();
        return value;
    }

    /// <summary>Encodes into a new array (tests and tools; the server encodes into pooled buffers).</summary>
    public static byte[] Encode<T, TCodec>(in T value) where TCodec : IXdrCodec<T>
    {
        var bytes = new byte[TCodec.SizeOf(in value)];
        var writer = new XdrWriter(bytes);
        TCodec.Write(ref writer, in value);
        if (writer.Position != bytes.Length)
            XdrWriter.ThrowSizeMismatch<TCodec>(bytes.Length, writer.Position);
        return bytes;
    }

    public static T Decode<T>(ReadOnlyMemory<byte> input) where T : IXdrCodec<T> => Decode<T, T>(input);

    public static byte[] Encode<T>(in T value) where T : IXdrCodec<T> => Encode<T, T>(in value);
}
