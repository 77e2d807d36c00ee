using DittoFs.Storage.S3.Buffering;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Buffering;

public sealed class ByteRangesTests
{
    [Test]
    public void Overlapping_and_touching_ranges_merge_into_one()
    {
        var ranges = new ByteRanges();
        ranges.Add(10, 20);
        ranges.Add(30, 40);
        ranges.Add(20, 30);
        ranges.Add(15, 35);

        Assert.That(ranges.Count, Is.EqualTo(1));
        Assert.That(ranges.Covers(10, 40), Is.True);
    }

    [Test]
    public void A_gap_is_not_covered()
    {
        var ranges = new ByteRanges();
        ranges.Add(0, 10);
        ranges.Add(11, 20);

        Assert.That(ranges.Count, Is.EqualTo(2));
        Assert.That(ranges.Covers(0, 10), Is.True);
        Assert.That(ranges.Covers(5, 15), Is.False);
        Assert.That(ranges.Covers(12, 12), Is.True, "an empty span is covered");
    }

    [Test]
    public void Ranges_added_out_of_order_stay_sorted()
    {
        var ranges = new ByteRanges();
        ranges.Add(50, 60);
        ranges.Add(0, 5);
        ranges.Add(20, 30);

        var target = new byte[70];
        ranges.CopyIntoGaps(Enumerable.Repeat((byte)1, 70).ToArray(), target);

        var expected = new byte[70];
        expected.AsSpan(5, 15).Fill(1);
        expected.AsSpan(30, 20).Fill(1);
        expected.AsSpan(60, 10).Fill(1);
        Assert.That(target, Is.EqualTo(expected));
    }

    [Test]
    public void Clipping_forgets_what_lies_past_the_cut()
    {
        var ranges = new ByteRanges();
        ranges.Add(0, 10);
        ranges.Add(20, 40);
        ranges.Add(50, 60);

        ranges.ClipTo(30);

        Assert.That(ranges.Count, Is.EqualTo(2));
        Assert.That(ranges.Covers(20, 30), Is.True);
        Assert.That(ranges.Covers(20, 31), Is.False);
    }

    [Test]
    public void Gaps_are_filled_only_as_far_as_the_source_reaches()
    {
        var ranges = new ByteRanges();
        ranges.Add(2, 4);
        var target = new byte[10];

        ranges.CopyIntoGaps(new byte[] { 9, 9, 9, 9, 9, 9 }, target);

        Assert.That(target, Is.EqualTo(new byte[] { 9, 9, 0, 0, 9, 9, 0, 0, 0, 0 }));
    }
}
