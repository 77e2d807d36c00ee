using System.Buffers.Binary;
using System.Reflection;
using DittoFs.Fuzz.Engine;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Fuzz.Targets;

/// <summary>
/// Target (b): every generated codec of DittoFs.Protocol (NFSv3, MOUNT v3, RPC, portmap: arguments, results and every
/// type inside them, enum codecs and list codecs included), found by reflection. An input is a 2-byte codec index and
/// the bytes to decode. Properties: decoding never throws and never reads past the input; whatever decodes re-encodes
/// (SizeOf equal to the bytes consumed, Write writing exactly that), and the re-encoding decodes to a value that encodes
/// to the same bytes.
/// </summary>
internal sealed class CodecTarget : IFuzzTarget
{
    private readonly List<CodecCheck> _codecs;

    public CodecTarget()
    {
        _codecs = Codecs().OrderBy(codec => codec.Name, StringComparer.Ordinal).ToList();
        var seeds = new List<byte[]>();
        for (int i = 0; i < _codecs.Count; i++)
        {
            if (_codecs[i].EncodeDefault() is { } encoded)
            {
                seeds.Add(Input(i, encoded));
            }
        }
        // Valid arguments and results of every procedure, from the dispatch seeds run against a real service.
        var environment = NfsEnvironment.Create();
        foreach (var call in ValidCalls.For(environment))
        {
            if (call.ArgumentCodec is { } arguments)
            {
                seeds.Add(Input(IndexOf(arguments), call.Arguments.ToArray()));
            }
            if (call.ResultCodec is { } results && DispatchTarget.ResultOf(environment, call) is { } encoded)
            {
                seeds.Add(Input(IndexOf(results), encoded));
            }
        }
        Seeds = seeds;
    }

    public string Name => "xdr-codecs";
    public IReadOnlyList<byte[]> Seeds { get; }
    public int MaxInputLength => 16 * 1024;
    public int CodecCount => _codecs.Count;
    public IEnumerable<string> CodecNames => _codecs.Select(codec => codec.Name);

    public ulong Run(byte[] input)
    {
        if (input.Length < 2)
        {
            return 0;
        }
        int index = BinaryPrimitives.ReadUInt16BigEndian(input) % _codecs.Count;
        var (ok, error, position) = _codecs[index].Check(input.AsMemory(2));
        // Where decoding stopped (order of magnitude) tells how deep into the type an input got.
        return new Signature((ulong)index).Add(ok ? 0 : 1 + (ulong)error).Add((ulong)System.Numerics.BitOperations.Log2((uint)position + 1)).Value;
    }

    public void Refresh(List<byte[]> corpus)
    {
    }

    /// <summary>An input for the codec named <paramref name="codecName"/> (its type name) with <paramref name="payload"/>.</summary>
    public byte[] InputFor(string codecName, byte[] payload) =>
        Input(_codecs.FindIndex(check => check.Name == codecName) is var index and >= 0 ? index : throw new InvalidOperationException($"No codec {codecName}"), payload);

    private int IndexOf(Type codec) => _codecs.FindIndex(check => check.Codec == codec) is var index and >= 0
        ? index
        : throw new InvalidOperationException($"No codec {codec.Name}");

    private static byte[] Input(int index, byte[] payload)
    {
        var input = new byte[2 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(input, (ushort)index);
        payload.CopyTo(input, 2);
        return input;
    }

    /// <summary>Every type of the protocol assembly implementing IXdrCodec&lt;T&gt;, with the T it codes.</summary>
    private static IEnumerable<CodecCheck> Codecs()
    {
        var make = typeof(CodecCheck).GetMethod(nameof(CodecCheck.For), BindingFlags.Public | BindingFlags.Static)!;
        foreach (var type in typeof(NfsFh3).Assembly.GetExportedTypes())
        {
            if (type.IsGenericTypeDefinition)
            {
                continue;
            }
            foreach (var codec in type.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IXdrCodec<>)))
            {
                yield return (CodecCheck)make.MakeGenericMethod(codec.GetGenericArguments()[0], type).Invoke(null, null)!;
            }
        }
    }

    /// <summary>The decode / re-encode checks of one codec, bound without reflection on the hot path.</summary>
    internal abstract class CodecCheck
    {
        public abstract string Name { get; }
        public abstract Type Codec { get; }
        public abstract (bool Ok, XdrError Error, int Position) Check(ReadOnlyMemory<byte> input);
        public abstract byte[]? EncodeDefault();

        public static CodecCheck For<T, TCodec>() where TCodec : IXdrCodec<T> => new Typed<T, TCodec>();

        private sealed class Typed<T, TCodec> : CodecCheck where TCodec : IXdrCodec<T>
        {
            public override string Name => typeof(TCodec).Name;
            public override Type Codec => typeof(TCodec);

            public override (bool Ok, XdrError Error, int Position) Check(ReadOnlyMemory<byte> input)
            {
                var reader = new XdrReader(input);
                var value = TCodec.Read(ref reader);
                if (reader.Position > input.Length || reader.Remaining < 0)
                {
                    throw new FuzzPropertyException($"bounds: {Name} read to {reader.Position} of {input.Length} bytes");
                }
                if (reader.HasError)
                {
                    return (false, reader.Error, reader.ErrorPosition);
                }
                int consumed = reader.Position;
                var encoded = Encode(value, consumed, "re-encoding");
                var again = new XdrReader(encoded);
                var second = TCodec.Read(ref again);
                if (again.HasError || again.Position != encoded.Length)
                {
                    throw new FuzzPropertyException($"round trip: {Name} does not decode its own encoding ({again.Error} at {again.ErrorPosition}, read {again.Position} of {encoded.Length})");
                }
                var reencoded = Encode(second, encoded.Length, "second encoding");
                if (!reencoded.AsSpan().SequenceEqual(encoded))
                {
                    throw new FuzzPropertyException($"round trip: {Name} encodes a decoded value differently the second time");
                }
                return (true, XdrError.None, consumed);
            }

            private byte[] Encode(in T value, int expected, string what)
            {
                int size = TCodec.SizeOf(value);
                if (size != expected)
                {
                    throw new FuzzPropertyException($"size: {Name} {what}: SizeOf gives {size} for a value that took {expected} bytes");
                }
                var bytes = new byte[size];
                var writer = new XdrWriter(bytes);
                TCodec.Write(ref writer, value);
                if (writer.Position != size)
                {
                    throw new FuzzPropertyException($"size: {Name} {what}: Write wrote {writer.Position} bytes, SizeOf said {size}");
                }
                return bytes;
            }

            public override byte[]? EncodeDefault()
            {
                try
                {
                    T value = default!;
                    var bytes = new byte[TCodec.SizeOf(value)];
                    var writer = new XdrWriter(bytes);
                    TCodec.Write(ref writer, value);
                    return bytes;
                }
                catch (Exception)
                {
                    return null; // a default that is not a valid value (e.g. a fixed opaque with no bytes): no seed
                }
            }
        }
    }
}
