using System.Buffers.Binary;
using System.Text;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// Input that cannot be answered because no xid or record boundary can be trusted: the server closes that
/// connection at once (RFC 5531 §11 gives no way to resynchronise a byte stream) and serves everyone else.
/// </summary>
public class ServerFramingTests
{
    private const int SmallMaxRecordSize = 64 * 1024;

    [Test]
    public async Task A_fragment_header_over_the_maximum_record_size_closes_the_connection()
    {
        await using var server = await TestServer.StartAsync(options => options.MaxRecordSize = SmallMaxRecordSize);
        await using var connection = await server.ConnectRawAsync();

        await connection.SendAsync(CallMessage.FragmentHeader(0x7FFF_FFFF, last: true));

        Assert.That(await connection.ClosedByServerAsync(), Is.True);
        await Bounded.Until(() => server.Observer.Closed.Contains(RpcConnectionCloseReason.ProtocolViolation), "the close is reported");
        await server.AssertServesFreshConnectionAsync();
    }

    [Test]
    public async Task Fragments_adding_up_to_more_than_the_maximum_close_the_connection()
    {
        await using var server = await TestServer.StartAsync(options => options.MaxRecordSize = SmallMaxRecordSize);
        await using var connection = await server.ConnectRawAsync();
        var call = CallMessage.Echo(0x3001, new byte[SmallMaxRecordSize]);

        await connection.SendAllowingCloseAsync(CallMessage.Fragments(call, SmallMaxRecordSize / 2, SmallMaxRecordSize / 2));

        Assert.That(await connection.ClosedByServerAsync(), Is.True);
        await server.AssertServesFreshConnectionAsync();
    }

    [Test]
    public async Task A_record_of_exactly_the_maximum_size_is_served()
    {
        await using var server = await TestServer.StartAsync(options => options.MaxRecordSize = SmallMaxRecordSize);
        await using var connection = await server.ConnectRawAsync();
        int header = CallMessage.Echo(0, []).Length;
        var data = new byte[SmallMaxRecordSize - header];

        var reply = await connection.CallAsync(CallMessage.Echo(0x3002, data));

        reply.AssertSuccess(0x3002);
    }

    [Test]
    public async Task Text_sent_to_the_rpc_port_closes_the_connection()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        // "GET " read as a fragment header announces over a gigabyte.
        await connection.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: nfs\r\n\r\n"));

        Assert.That(await connection.ClosedByServerAsync(), Is.True);
        await server.AssertServesFreshConnectionAsync();
    }

    [Test]
    public async Task Random_bytes_in_a_well_formed_record_close_the_connection()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();
        var garbage = new byte[64];
        new Random(11).NextBytes(garbage);
        BinaryPrimitives.WriteUInt32BigEndian(garbage.AsSpan(4), 0xDEAD_BEEF); // surely not CALL (0)

        await connection.SendRecordAsync(garbage);

        Assert.That(await connection.ClosedByServerAsync(), Is.True);
        await server.AssertServesFreshConnectionAsync();
    }

    [Test]
    public async Task A_reply_message_sent_to_the_server_closes_the_connection()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();
        var message = CallMessage.Test(0x3003, TestProcedure.Null);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), 1); // REPLY

        await connection.SendRecordAsync(message);

        Assert.That(await connection.ClosedByServerAsync(), Is.True);
        await server.AssertServesFreshConnectionAsync();
    }

    [TestCase(0, TestName = "Empty record")]
    [TestCase(4, TestName = "Record holding only an xid")]
    public async Task A_record_too_short_to_be_a_call_closes_the_connection(int length)
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        await connection.SendRecordAsync(CallMessage.Test(0x3004, TestProcedure.Null)[..length]);

        Assert.That(await connection.ClosedByServerAsync(), Is.True);
        await server.AssertServesFreshConnectionAsync();
    }

    [Test]
    public async Task A_client_that_disconnects_in_the_middle_of_a_record_is_cleaned_up()
    {
        await using var server = await TestServer.StartAsync();
        var connection = await server.ConnectRawAsync();
        await connection.SendAsync(CallMessage.Record(CallMessage.Echo(0x3005, new byte[1000]))[..500]);
        await Bounded.Until(() => server.Server.ConnectionCount == 1, "the server has the connection");

        await connection.DisposeAsync();

        await Bounded.Until(() => server.Server.ConnectionCount == 0, "the server closes its side");
        Assert.That(server.Observer.Closed, Has.Some.AnyOf(RpcConnectionCloseReason.ClientClosed, RpcConnectionCloseReason.TransportError));
        await server.AssertServesFreshConnectionAsync();
    }
}
