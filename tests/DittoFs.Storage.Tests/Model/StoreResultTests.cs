using NUnit.Framework;

namespace DittoFs.Storage.Tests.Model;

[TestFixture]
public sealed class StoreResultTests
{
    [Test]
    public void A_failure_status_converts_to_a_result_without_a_value()
    {
        StoreResult<int> result = StoreStatus.NoEnt;

        Assert.That((result.IsOk, result.Status, result.Value), Is.EqualTo((false, StoreStatus.NoEnt, 0)));
    }

    [Test]
    public void A_value_converts_to_a_successful_result()
    {
        StoreResult<int> result = 42;

        Assert.That((result.IsOk, result.Value), Is.EqualTo((true, 42)));
    }

    [Test]
    public void Ok_without_a_value_is_refused()
    {
        Assert.Throws<ArgumentException>(() => _ = (StoreResult<int>)StoreStatus.Ok);
    }

    [Test]
    public void Status_values_are_the_nfsstat3_codes()
    {
        Assert.That(((int)StoreStatus.NoEnt, (int)StoreStatus.Stale, (int)StoreStatus.BadCookie, (int)StoreStatus.Jukebox),
            Is.EqualTo((2, 70, 10003, 10008)));
    }
}
