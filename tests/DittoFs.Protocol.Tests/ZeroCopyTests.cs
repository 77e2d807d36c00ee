using System.Runtime.InteropServices;
using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests;

/// <summary>
/// Opaques longer than 64 bytes, unbounded ones and strings decode as slices of the received bytes, not copies;
/// file handles (at most 64 bytes) are copied into the value that holds them.
/// </summary>
public class ZeroCopyTests
{
    /// <summary>Where the arguments start in the receive buffer, as behind an RPC header.</summary>
    private const int ArgumentsOffset = 100;

    [Test]
    public void WRITE3args_data_is_a_slice_of_the_input_and_its_handle_a_copy()
    {
        var payload = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();
        var (buffer, arguments) = Received(XdrCodec.Encode(new Write3Args { File = MalformedInputTests.Handle(10), Offset = 3, Count = 5000, Stable = StableHow.DataSync, Data = payload }));

        var decoded = XdrCodec.Decode<Write3Args>(arguments);

        Assert.That(MemoryMarshal.TryGetArray(decoded.Data, out var segment));
        Assert.That(segment.Array, Is.SameAs(buffer));
        // handle: 4 + 12 (10 bytes padded), offset 8, count 4, stable 4, data length 4.
        Assert.That(segment.Offset, Is.EqualTo(ArgumentsOffset + 36));
        Assert.That(segment.Count, Is.EqualTo(5000));
        Assert.That(decoded.Data.ToArray(), Is.EqualTo(payload));
        Assert.That(decoded.File.Data, Is.EqualTo(MalformedInputTests.Handle(10).Data));
    }

    [Test]
    public void LOOKUP3args_name_is_a_slice_of_the_input_and_its_handle_a_copy()
    {
        var (buffer, arguments) = Received(XdrCodec.Encode(new Lookup3Args { What = new Diropargs3 { Dir = MalformedInputTests.Handle(32), Name = "report.pdf"u8.ToArray() } }));

        var decoded = XdrCodec.Decode<Lookup3Args>(arguments);

        // dir handle: 4 + 32, name length 4.
        AssertSliceOf(buffer, decoded.What.Name, ArgumentsOffset + 40, 10);
        Assert.That(decoded.What.Dir.Data, Is.EqualTo(MalformedInputTests.Handle(32).Data));
    }

    [Test]
    public void READDIRPLUS3res_entry_names_are_slices_of_the_input()
    {
        var (buffer, message) = Received(XdrCodec.Encode(MalformedInputTests.Listing(3)));

        var decoded = XdrCodec.Decode<Readdirplus3Res>(message);

        foreach (var entry in decoded.Resok.Reply.Entries)
        {
            Assert.That(MemoryMarshal.TryGetArray(entry.Name.Value, out var segment));
            Assert.That(segment.Array, Is.SameAs(buffer));
        }
    }

    private static void AssertSliceOf(byte[] buffer, ReadOnlyMemory<byte> slice, int offset, int length)
    {
        Assert.That(MemoryMarshal.TryGetArray(slice, out var segment));
        Assert.That(segment.Array, Is.SameAs(buffer));
        Assert.That(segment.Offset, Is.EqualTo(offset));
        Assert.That(segment.Count, Is.EqualTo(length));
    }

    private static (byte[] Buffer, ReadOnlyMemory<byte> Message) Received(byte[] message)
    {
        var buffer = new byte[ArgumentsOffset + message.Length + 50];
        message.CopyTo(buffer, ArgumentsOffset);
        return (buffer, buffer.AsMemory(ArgumentsOffset, message.Length));
    }
}
