namespace DittoFs.EndToEnd;

/// <summary>--max-connections 2 on the real executable: a third connection is closed at once, the first two keep working.</summary>
[TestFixture]
public sealed class ConnectionLimitTests : ServerFixture
{
    private const uint Nfs = 100003;

    protected override string[] ServerArguments => ["--max-connections", "2"];

    private static void AssertNullAnswers(RawRpc rpc, uint xid)
    {
        rpc.SendRecord(RawRpc.Call(xid, Nfs, 3, 0));
        var reply = rpc.ReceiveRecord();
        Assert.That(reply, Is.Not.Null, "the connection was closed");
        Assert.That((RawRpc.Word(reply!, 0), RawRpc.Word(reply!, 5)), Is.EqualTo((xid, 0u)), "xid and SUCCESS");
    }

    /// <summary>
    /// A connection the server serves. The server learns of a client's close asynchronously, so right after other
    /// connections (of an earlier test) closed a new one may still be refused: retry, boundedly.
    /// </summary>
    private RawRpc ConnectServed()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        for (uint xid = 100; ; xid++)
        {
            var rpc = new RawRpc(Server.Port);
            rpc.SendRecord(RawRpc.Call(xid, Nfs, 3, 0));
            if (rpc.ReceiveRecord() is { } reply && RawRpc.Word(reply, 0) == xid)
                return rpc;
            rpc.Dispose();
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "no connection slot became free");
            Thread.Sleep(100);
        }
    }

    [Test]
    public void A_third_connection_is_closed_at_once_while_the_first_two_keep_working()
    {
        using var first = ConnectServed();
        using var second = ConnectServed();

        using (var third = new RawRpc(Server.Port))
            Assert.That(third.IsClosedByServer(), Is.True);

        AssertNullAnswers(first, 3);
        AssertNullAnswers(second, 4);
        Assert.That(Server.Output, Does.Contain("refused: 2 connections are open"));
    }

    [Test]
    public void A_slot_freed_by_a_closed_connection_is_given_to_the_next_client()
    {
        using var first = ConnectServed();
        using (var leaving = ConnectServed())
            AssertNullAnswers(leaving, 2);

        using var next = ConnectServed();

        AssertNullAnswers(next, 9);
        AssertNullAnswers(first, 10);
    }
}
