using DittoFs.Xdr;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// The finished calls a server keeps for reuse (<see cref="RpcCallPool"/>): as many as its capacity, so that hundreds of
/// calls in flight over many connections are not built and dropped one by one, while the buffers grown by large replies
/// are kept only by the first calls, and a grown reply buffer is given back (<see cref="XdrBufferWriter.Shrink"/>).
/// </summary>
public class RpcCallPoolTests
{
    [Test]
    public void Every_call_returned_up_to_the_capacity_is_kept_and_rented_again()
    {
        var pool = new RpcCallPool(capacity: 300, largeBufferCalls: 4);
        var calls = Enumerable.Range(0, 301).Select(_ => pool.Rent()).ToArray();
        foreach (var call in calls)
            pool.Return(call);

        Assert.That(pool.Count, Is.EqualTo(300), "the one past the capacity is dropped");
        var rented = Enumerable.Range(0, 300).Select(_ => pool.Rent()).ToHashSet();
        Assert.That(rented.IsSubsetOf(calls), "no call built while the pool had some");
        Assert.That(pool.Count, Is.Zero);
    }

    [Test]
    public void A_grown_buffer_is_given_back_for_one_of_the_first_size_only_while_empty()
    {
        using var writer = new XdrBufferWriter(4096);
        writer.Advance(writer.GetSpan(100_000).Length);
        int grown = writer.GetSpan().Length + writer.WrittenCount;

        writer.Shrink(4096);
        Assert.That(writer.GetSpan().Length + writer.WrittenCount, Is.EqualTo(grown), "kept while it holds output");

        writer.Clear();
        writer.Shrink(4096);
        Assert.That(writer.GetSpan().Length, Is.EqualTo(4096));
    }
}
