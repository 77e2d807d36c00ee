using System.Buffers;

namespace DittoFs.Rpc.Tests;

/// <summary>Record marking (RFC 5531 §11) in isolation: fragments, split headers, limits.</summary>
public class RecordAssemblerTests
{
    private static readonly byte[] Message = [.. Enumerable.Range(1, 40).Select(i => (byte)i)];

    [Test]
    public void A_single_fragment_record_is_returned_whole()
    {
        using var assembler = new RecordAssembler(1024);
        var input = new ReadOnlySequence<byte>(CallMessage.Record(Message));

        Assert.That(assembler.TryAssemble(ref input), Is.EqualTo(RecordStatus.Complete));
        Assert.That(Take(assembler), Is.EqualTo(Message));
        Assert.That(input.Length, Is.Zero);
    }

    [Test]
    public void Fragments_are_joined_into_one_record()
    {
        using var assembler = new RecordAssembler(1024);
        var input = new ReadOnlySequence<byte>(CallMessage.Fragments(Message, 4, 0, 13, 1));

        Assert.That(assembler.TryAssemble(ref input), Is.EqualTo(RecordStatus.Complete));
        Assert.That(Take(assembler), Is.EqualTo(Message));
    }

    [Test]
    public void A_record_arriving_one_byte_at_a_time_completes_on_its_last_byte()
    {
        using var assembler = new RecordAssembler(1024);
        var bytes = CallMessage.Fragments(Message, 7, 9);
        var unconsumed = new List<byte>();
        var status = RecordStatus.NeedMoreData;
        for (int i = 0; i < bytes.Length; i++)
        {
            Assert.That(status, Is.EqualTo(RecordStatus.NeedMoreData), $"before byte {i}");
            // Like a PipeReader: what was not consumed is presented again with the new byte.
            unconsumed.Add(bytes[i]);
            var input = new ReadOnlySequence<byte>([.. unconsumed]);
            status = assembler.TryAssemble(ref input);
            unconsumed = [.. input.ToArray()];
        }

        Assert.That(status, Is.EqualTo(RecordStatus.Complete));
        Assert.That(Take(assembler), Is.EqualTo(Message));
    }

    [Test]
    public void Headers_and_data_split_across_buffer_segments_are_read()
    {
        using var assembler = new RecordAssembler(1024);
        var bytes = CallMessage.Fragments(Message, 10);
        // Segments of 3 bytes: every header and fragment straddles segment boundaries.
        var input = Segments(bytes.Chunk(3));

        Assert.That(assembler.TryAssemble(ref input), Is.EqualTo(RecordStatus.Complete));
        Assert.That(Take(assembler), Is.EqualTo(Message));
    }

    [Test]
    public void Bytes_after_a_complete_record_are_left_for_the_next_one()
    {
        using var assembler = new RecordAssembler(1024);
        byte[] second = [9, 9, 9, 9];
        var input = new ReadOnlySequence<byte>([.. CallMessage.Record(Message), .. CallMessage.Record(second)]);

        Assert.That(assembler.TryAssemble(ref input), Is.EqualTo(RecordStatus.Complete));
        Assert.That(Take(assembler), Is.EqualTo(Message));
        Assert.That(assembler.TryAssemble(ref input), Is.EqualTo(RecordStatus.Complete));
        Assert.That(Take(assembler), Is.EqualTo(second));
    }

    [Test]
    public void A_fragment_header_announcing_more_than_the_maximum_is_too_large()
    {
        using var assembler = new RecordAssembler(1024);
        var input = new ReadOnlySequence<byte>(CallMessage.FragmentHeader(0x7FFF_FFFF, last: true));

        Assert.That(assembler.TryAssemble(ref input), Is.EqualTo(RecordStatus.TooLarge));
    }

    [Test]
    public void Fragments_adding_up_to_more_than_the_maximum_are_too_large()
    {
        using var assembler = new RecordAssembler(100);
        var input = new ReadOnlySequence<byte>([.. CallMessage.FragmentHeader(60, last: false), .. new byte[60], .. CallMessage.FragmentHeader(60, last: true)]);

        Assert.That(assembler.TryAssemble(ref input), Is.EqualTo(RecordStatus.TooLarge));
    }

    [Test]
    public void A_record_of_exactly_the_maximum_is_accepted()
    {
        using var assembler = new RecordAssembler(Message.Length);
        var input = new ReadOnlySequence<byte>(CallMessage.Fragments(Message, 20));

        Assert.That(assembler.TryAssemble(ref input), Is.EqualTo(RecordStatus.Complete));
        Assert.That(Take(assembler), Is.EqualTo(Message));
    }

    [Test]
    public void An_announced_fragment_reserves_no_more_than_the_bytes_received()
    {
        using var assembler = new RecordAssembler(1 << 30);
        var input = new ReadOnlySequence<byte>([.. CallMessage.FragmentHeader(1 << 29, last: true), 1, 2, 3, 4]);

        Assert.That(assembler.TryAssemble(ref input), Is.EqualTo(RecordStatus.NeedMoreData));
        // The buffer is sized from the 4 bytes that came, not from the 512 MiB the header claims.
        Assert.That(assembler.Capacity, Is.InRange(4, 1024));
    }

    [Test]
    public void The_rest_of_a_fragment_received_into_its_tail_completes_the_record()
    {
        using var assembler = new RecordAssembler(1024);
        var bytes = CallMessage.Record(Message);
        var input = new ReadOnlySequence<byte>(bytes.AsMemory(0, 4 + 10));
        Assert.That(assembler.TryAssemble(ref input), Is.EqualTo(RecordStatus.NeedMoreData));

        // As a socket receive would: straight into the record, in two pieces.
        var rest = bytes.AsSpan(4 + 10);
        rest[..12].CopyTo(assembler.FragmentTail(arrived: 12).Span);
        Assert.That(assembler.Received(12), Is.EqualTo(RecordStatus.NeedMoreData));
        Assert.That(assembler.FragmentRemaining, Is.EqualTo(rest.Length - 12));
        var tail = assembler.FragmentTail(arrived: rest.Length - 12);
        rest[12..].CopyTo(tail.Span);

        Assert.That(assembler.Received(rest.Length - 12), Is.EqualTo(RecordStatus.Complete));
        Assert.That(Take(assembler), Is.EqualTo(Message));
    }

    [Test]
    public void A_fragment_tail_grows_with_what_arrived_until_a_quarter_of_the_rest_is_there()
    {
        using var assembler = new RecordAssembler(1 << 30);
        var input = new ReadOnlySequence<byte>([.. CallMessage.FragmentHeader(1 << 24, last: true), 1, 2, 3, 4]);
        assembler.TryAssemble(ref input);

        // 64 KiB of 16 MiB arrived: room for about that, not for what the header claims.
        Assert.That(assembler.FragmentTail(arrived: 64 * 1024).Length, Is.LessThan(1 << 20));
        // A quarter arrived: room for all of the rest at once, so the record is not regrown (and copied) step by step.
        Assert.That(assembler.FragmentTail(arrived: 1 << 22).Length, Is.EqualTo((1 << 24) - 4));
    }

    private static byte[] Take(RecordAssembler assembler)
    {
        var record = assembler.TakeRecord(out int length);
        var copy = record.AsSpan(0, length).ToArray();
        RecordAssembler.ReturnRecord(record);
        return copy;
    }

    private static ReadOnlySequence<byte> Segments(IEnumerable<byte[]> pieces)
    {
        Segment? first = null, last = null;
        foreach (var piece in pieces)
        {
            var segment = new Segment(piece, last);
            first ??= segment;
            last = segment;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, Segment? previous)
        {
            Memory = data;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
