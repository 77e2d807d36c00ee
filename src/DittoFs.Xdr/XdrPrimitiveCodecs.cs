namespace DittoFs.Xdr;

// Codecs of the built-in types, for arrays whose elements are not generated structs.

public readonly struct XdrInt32Codec : IXdrCodec<int>
{
    public static int Read(ref XdrReader reader) => reader.ReadInt32();
    public static void Write(ref XdrWriter writer, in int value) => writer.WriteInt32(value);
    public static int SizeOf(in int value) => 4;
}

public readonly struct XdrUInt32Codec : IXdrCodec<uint>
{
    public static uint Read(ref XdrReader reader) => reader.ReadUInt32();
    public static void Write(ref XdrWriter writer, in uint value) => writer.WriteUInt32(value);
    public static int SizeOf(in uint value) => 4;
}

public readonly struct XdrInt64Codec : IXdrCodec<long>
{
    public static long Read(ref XdrReader reader) => reader.ReadInt64();
    public static void Write(ref XdrWriter writer, in long value) => writer.WriteInt64(value);
    public static int SizeOf(in long value) => 8;
}

public readonly struct XdrUInt64Codec : IXdrCodec<ulong>
{
    public static ulong Read(ref XdrReader reader) => reader.ReadUInt64();
    public static void Write(ref XdrWriter writer, in ulong value) => writer.WriteUInt64(value);
    public static int SizeOf(in ulong value) => 8;
}

public readonly struct XdrSingleCodec : IXdrCodec<float>
{
    public static float Read(ref XdrReader reader) => reader.ReadSingle();
    public static void Write(ref XdrWriter writer, in float value) => writer.WriteSingle(value);
    public static int SizeOf(in float value) => 4;
}

public readonly struct XdrDoubleCodec : IXdrCodec<double>
{
    public static double Read(ref XdrReader reader) => reader.ReadDouble();
    public static void Write(ref XdrWriter writer, in double value) => writer.WriteDouble(value);
    public static int SizeOf(in double value) => 8;
}

public readonly struct XdrBoolCodec : IXdrCodec<bool>
{
    public static bool Read(ref XdrReader reader) => reader.ReadBool();
    public static void Write(ref XdrWriter writer, in bool value) => writer.WriteBool(value);
    public static int SizeOf(in bool value) => 4;
}
