using System.Buffers.Binary;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.EndToEnd;

/// <summary>
/// NFSv4 COMPOUNDs no client should send, over a raw socket to the real server (<c>server.nfs4: true</c>): each gets
/// its RFC answer or, past the RPC record limit, a closed connection, and the server answers a NULL call afterwards.
/// The unit-level cases (every error code) are DittoFs.Nfs.Tests' Nfs4BadInputTests; these check the wiring and limits of
/// the process.
/// </summary>
[TestFixture]
public sealed class Nfs4BadInputTests
{
    private const uint Nfs = 100003, Compound = 1, Accepted = 0, Success = 0;
    private ConfiguredServer _server = null!;

    [OneTimeSetUp]
    public void StartServer() => _server = ConfiguredServer.Start("""
        server:
          nfs4: true
          portmap: "false"

        """ + ConfiguredServer.InMemoryShare);

    [OneTimeTearDown]
    public void StopServer() => _server.Dispose();

    [TearDown]
    public void NullCallStillSucceeds()
    {
        using var rpc = new RawRpc(_server.Port);
        rpc.SendRecord(RawRpc.Call(77, Nfs, 4, 0));
        var reply = rpc.ReceiveRecord();
        Assert.That(reply, Is.Not.Null, "the server stopped answering");
        Assert.That(RawRpc.Word(reply!, 5), Is.EqualTo(Success));
    }

    private static readonly byte[] PutRootFh = Word((uint)NfsOpnum4.OpPutrootfh);
    private static readonly byte[] GetFh = Word((uint)NfsOpnum4.OpGetfh);

    private static byte[] Word(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>COMPOUND4args: tag, minor version 0, the count, then the operations' bytes.</summary>
    private static byte[] Arguments(byte[] tag, int count, IEnumerable<byte[]> operations) =>
        [.. Word((uint)tag.Length), .. tag, .. new byte[(4 - tag.Length % 4) % 4], .. Word(0), .. Word((uint)count), .. operations.SelectMany(o => o)];

    private static byte[] Message(byte[] arguments) =>
        RawRpc.Call(9, Nfs, 4, Compound, credFlavor: 1, credBody: RawRpc.AuthSys(0, 0), arguments: arguments);

    /// <summary>Sends a COMPOUND and decodes the accepted reply's COMPOUND4res (after xid, REPLY, accepted, verifier, SUCCESS).</summary>
    private Compound4Res Send(byte[] arguments)
    {
        using var rpc = new RawRpc(_server.Port);
        rpc.SendRecord(Message(arguments));
        var reply = rpc.ReceiveRecord();
        Assert.That(reply, Is.Not.Null, "expected a reply, the connection was closed");
        Assert.That((RawRpc.Word(reply!, 2), RawRpc.Word(reply!, 5)), Is.EqualTo((Accepted, Success)));
        var reader = new XdrReader(reply.AsMemory(24));
        var result = Compound4Res.Read(ref reader);
        Assert.That(reader.HasError || reader.Remaining != 0, Is.False, "exactly one COMPOUND4res");
        return result;
    }

    [Test]
    public void An_unknown_operation_number_is_answered_OP_ILLEGAL_after_the_operations_before_it()
    {
        // RFC 7530's COMPOUND (§15.2) / RFC 8881 §16.2.3: OP_ILLEGAL with NFS4ERR_OP_ILLEGAL in its place; the words after
        // it (what an unknown operation's arguments might be) are not read.
        var reply = Send(Arguments("unknown"u8.ToArray(), 4, [PutRootFh, GetFh, Word(70), Word(0xDEADBEEF)]));
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(Nfsstat4.Nfs4errOpIllegal));
            Assert.That(reply.Resarray.ToArray().Select(r => r.Resop), Is.EqualTo(new[] { NfsOpnum4.OpPutrootfh, NfsOpnum4.OpGetfh, NfsOpnum4.OpIllegal }));
            Assert.That(reply.Tag.Value.ToArray(), Is.EqualTo("unknown"u8.ToArray()));
        });
    }

    [Test]
    public void A_COMPOUND_of_100_000_operations_is_NFS4ERR_RESOURCE_at_the_first()
    {
        // 400,000 bytes of operations fit the 2 MiB record limit: the server decodes the call and answers it. RFC 7530's
        // COMPOUND (§15.2): NFS4ERR_RESOURCE at the operation where the server's resources (64 operations) run out.
        var reply = Send(Arguments("many"u8.ToArray(), 100_000, Enumerable.Repeat(PutRootFh, 100_000)));
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(Nfsstat4.Nfs4errResource));
            Assert.That(reply.Resarray.Count, Is.EqualTo(1));
        });
    }

    [Test]
    public void A_COMPOUND_past_the_record_limit_closes_the_connection()
    {
        // 600,000 operations are 2.4 MB, past the 2 MiB record limit (RpcServerOptions.DefaultMaxRecordSize), sent as
        // 64 KiB fragments (RFC 5531 §11) each well within it: the server closes the connection once the record passes
        // the limit, without answering or keeping what arrived. A write that fails is that close, seen early.
        var message = Message(Arguments("huge"u8.ToArray(), 600_000, Enumerable.Repeat(PutRootFh, 600_000)));
        using var rpc = new RawRpc(_server.Port);
        bool closed = false;
        try
        {
            for (int at = 0; at < message.Length; at += 64 * 1024)
            {
                int length = Math.Min(64 * 1024, message.Length - at);
                rpc.SendRaw([.. Word((at + length == message.Length ? 0x8000_0000u : 0) | (uint)length), .. message.AsSpan(at, length)]);
            }
        }
        catch (IOException)
        {
            closed = true;
        }
        Assert.That(closed || rpc.IsClosedByServer(), Is.True);
    }

    [Test]
    public void A_tag_of_1_MiB_comes_back()
    {
        // RFC 7530 §15.2: the reply's tag SHOULD be the request's. 1 MiB fits the record limit; 4.0 has no session limits.
        var tag = new byte[1 << 20];
        new Random(3).NextBytes(tag);
        var reply = Send(Arguments(tag, 1, [PutRootFh]));
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
            Assert.That(reply.Tag.Value.ToArray(), Is.EqualTo(tag));
        });
    }
}
