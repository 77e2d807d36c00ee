using NUnit.Framework;

namespace DittoFs.Storage.Tests.Model;

[TestFixture]
public sealed class FileTimeTests
{
    [Test]
    public void Nanoseconds_before_the_epoch_borrow_from_the_seconds()
    {
        Assert.That(FileTime.FromUnixNanoseconds(-1), Is.EqualTo(new FileTime(-1, 999_999_999)));
    }

    [Test]
    public void Nanoseconds_after_the_epoch_split_into_seconds_and_nanoseconds()
    {
        Assert.That(FileTime.FromUnixNanoseconds(1_500_000_000_123), Is.EqualTo(new FileTime(1500, 123)));
    }

    [Test]
    public void Times_order_by_seconds_then_nanoseconds()
    {
        Assert.That(new FileTime(1, 999_999_999), Is.LessThan(new FileTime(2, 0)));
        Assert.That(new FileTime(2, 1), Is.GreaterThan(new FileTime(2, 0)));
    }

    [Test]
    public void A_date_converts_with_its_sub_second_part()
    {
        var date = DateTimeOffset.UnixEpoch.AddSeconds(10).AddTicks(5);

        Assert.That(FileTime.FromDateTimeOffset(date), Is.EqualTo(new FileTime(10, 500)));
    }
}
