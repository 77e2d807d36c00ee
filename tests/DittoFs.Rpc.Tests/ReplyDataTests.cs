using DittoFs.Xdr;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// A reply's out-of-line data on its own (<see cref="ReplyData"/>): what a result carries for it, the whole reply made
/// by copying it in (<see cref="ReplyData.Inline"/>), and its buffer and loans given back exactly once on every path.
/// </summary>
public class ReplyDataTests
{
    [Test]
    public void Lent_pieces_and_zeros_copied_in_give_the_bytes_a_copied_opaque_would()
    {
        using var message = new XdrBufferWriter();
        using var data = new ReplyData(message);
        var loan = new Loan();
        message.Write<uint, XdrUInt32Codec>(7);
        data.Hold(loan);
        data.Add(new byte[] { 1, 2 });
        data.Add(new byte[] { 13, 14, 15, 16 });
        data.AddZeros(3);
        message.Write<ReadOnlyMemory<byte>, OpaqueCodec>(data.Opaque);

        Assert.That((data.Length, data.IsCarried, message.OutOfLineAt), Is.EqualTo((9, true, 8)));
        data.Inline();

        Assert.That(message.WrittenSpan.ToArray(), Is.EqualTo(new byte[]
        {
            0, 0, 0, 7, 0, 0, 0, 9, 1, 2, 13, 14, 15, 16, 0, 0, 0, 0, 0, 0,
        }));
        Assert.That(loan.Disposals, Is.EqualTo(1), "returned when copied in");
        Assert.That(data.Length, Is.Zero);
    }

    [Test]
    public void Bytes_read_into_the_buffer_are_the_opaque_and_copied_in_whole()
    {
        using var message = new XdrBufferWriter();
        using var data = new ReplyData(message);

        var buffer = data.Buffer(5);
        "bytes"u8.CopyTo(buffer.Span);
        message.Write<ReadOnlyMemory<byte>, OpaqueCodec>(buffer);
        Assert.That((message.WrittenCount, message.OutOfLineLength), Is.EqualTo((4 + 3, 5)), "the bytes are not in the message");
        data.Inline();

        Assert.That(XdrCodec.Decode<ReadOnlyMemory<byte>, OpaqueCodec>(message.WrittenMemory.ToArray()).ToArray(), Is.EqualTo("bytes"u8.ToArray()));
    }

    [Test]
    public void Truncated_data_is_carried_and_sent_as_its_first_bytes()
    {
        using var message = new XdrBufferWriter();
        using var read = new ReplyData(message);
        "bytes read"u8.CopyTo(read.Buffer(100).Span);
        read.Truncate(5);
        message.Write<ReadOnlyMemory<byte>, OpaqueCodec>(read.Opaque);
        read.Inline();

        using var lentMessage = new XdrBufferWriter();
        using var lent = new ReplyData(lentMessage);
        lent.Add("by"u8.ToArray());
        lent.Add("tes lent"u8.ToArray());
        lent.Truncate(5);
        lentMessage.Write<ReadOnlyMemory<byte>, OpaqueCodec>(lent.Opaque);
        lent.Inline();

        Assert.That(XdrCodec.Decode<ReadOnlyMemory<byte>, OpaqueCodec>(message.WrittenMemory.ToArray()).ToArray(), Is.EqualTo("bytes"u8.ToArray()));
        Assert.That(XdrCodec.Decode<ReadOnlyMemory<byte>, OpaqueCodec>(lentMessage.WrittenMemory.ToArray()).ToArray(), Is.EqualTo("bytes"u8.ToArray()));
    }

    [Test]
    public void Data_no_result_carries_is_not_carried()
    {
        using var message = new XdrBufferWriter();
        using var data = new ReplyData(message);

        data.Add(new byte[10]);

        Assert.That(data.IsCarried, Is.False);
        Assert.Throws<InvalidOperationException>(() => message.Write<ReadOnlyMemory<byte>, OpaqueCodec>(new byte[10]));
    }

    [Test]
    public void Dropped_data_returns_its_loans_once_and_leaves_the_message_to_encode_whole()
    {
        using var message = new XdrBufferWriter();
        var data = new ReplyData(message);
        var loan = new Loan();
        data.Hold(loan);
        data.Add(new byte[100]);

        data.Drop();
        message.Write<ReadOnlyMemory<byte>, OpaqueCodec>(new byte[3]);
        data.Dispose();

        Assert.That(loan.Disposals, Is.EqualTo(1));
        Assert.That((data.Length, data.IsCarried, message.HasOutOfLine), Is.EqualTo((0, true, false)));
    }

    [Test]
    public void A_loan_held_without_data_is_returned_once_with_the_reply()
    {
        using var message = new XdrBufferWriter();
        var data = new ReplyData(message);
        var loan = new Loan();

        data.Hold(loan);
        data.Inline();
        data.Dispose();

        Assert.That(loan.Disposals, Is.EqualTo(1));
    }

    [Test]
    public void Disposing_returns_the_loans()
    {
        using var message = new XdrBufferWriter();
        var data = new ReplyData(message);
        var loan = new Loan();
        data.Hold(loan);
        data.Add(new byte[4]);

        data.Dispose();

        Assert.That(loan.Disposals, Is.EqualTo(1));
    }

    [Test]
    public void One_data_region_per_reply()
    {
        using var message = new XdrBufferWriter();
        using var lent = new ReplyData(message);
        lent.Add(new byte[3]);
        Assert.Throws<InvalidOperationException>(() => lent.Buffer(4));

        using var other = new XdrBufferWriter();
        using var read = new ReplyData(other);
        read.Buffer(4);
        Assert.Throws<InvalidOperationException>(() => read.Add(new byte[2]));
        Assert.Throws<InvalidOperationException>(() => read.Buffer(4));
    }

    [Test]
    public void Bytes_added_after_the_result_carries_the_data_are_refused()
    {
        using var message = new XdrBufferWriter();
        using var data = new ReplyData(message);
        data.Add(new byte[3]);
        message.Write<ReadOnlyMemory<byte>, OpaqueCodec>(data.Opaque);

        Assert.Throws<InvalidOperationException>(() => data.Add(new byte[2]));
        Assert.That(message.OutOfLineLength, Is.EqualTo(3));
    }

    private sealed class Loan : IDisposable
    {
        public int Disposals { get; private set; }

        public void Dispose() => Disposals++;
    }
}
