using NUnit.Framework;

namespace DittoFs.Storage.Tests.Model;

[TestFixture]
public sealed class FileClockTests
{
    private sealed class FrozenTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Test]
    public void Readings_within_one_tick_still_increase()
    {
        var clock = new FileClock(new FrozenTime(DateTimeOffset.UnixEpoch.AddDays(1)));

        var first = clock.Now();
        var second = clock.Now();

        Assert.That(second, Is.GreaterThan(first));
    }

    [Test]
    public void Readings_follow_the_wall_clock_when_it_moves_ahead()
    {
        var time = new FrozenTime(DateTimeOffset.UnixEpoch.AddDays(1));
        var clock = new FileClock(time);
        clock.Now();

        time.Now = DateTimeOffset.UnixEpoch.AddDays(2);

        Assert.That(clock.Now(), Is.EqualTo(new FileTime(2 * 86400, 0)));
    }

    [Test]
    public void Readings_never_go_back_when_the_wall_clock_does()
    {
        var time = new FrozenTime(DateTimeOffset.UnixEpoch.AddDays(2));
        var clock = new FileClock(time);
        var before = clock.Now();

        time.Now = DateTimeOffset.UnixEpoch.AddDays(1);

        Assert.That(clock.Now(), Is.GreaterThan(before));
    }
}
