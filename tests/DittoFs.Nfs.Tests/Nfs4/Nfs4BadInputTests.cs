using System.Buffers.Binary;
using System.Text;
using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging.Abstractions;
using Attr = DittoFs.Protocol.Nfs4ProtConstants;

namespace DittoFs.Nfs.Tests.Nfs4;

/// <summary>
/// COMPOUNDs a client should not send, as bytes through the server's dispatcher (<see cref="Nfs4Dispatcher{TContext}"/>),
/// since several cannot be built with the generated codec at all (an operation number nfs_opnum4 does not define). Each
/// expected answer comes from the RFC section the test names: RFC 7530 for 4.0, RFC 8881 for 4.1.
/// </summary>
public sealed class Nfs4BadInputTests
{
    private const int Type = 1, Mode = 33;

    private TestServer _server = null!;
    private Nfs4Service _service = null!;
    private Nfs4Dispatcher<RpcCallContext> _dispatcher = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = await TestServer.StartAsync();
        _service = new Nfs4Service(_server.Shares, _server.Options, NullLogger<Nfs4Service>.Instance);
        _dispatcher = new Nfs4Dispatcher<RpcCallContext>(_service);
    }

    private static NfsArgop4 PutRoot => new(NfsOpnum4.OpPutrootfh);
    private static NfsArgop4 GetFh => new(NfsOpnum4.OpGetfh);
    private static NfsArgop4 Lookup(string name) => NfsArgop4.FromOplookup(new Lookup4Args { Objname = Encoding.UTF8.GetBytes(name) });
    private static NfsArgop4 GetAttr(params int[] attributes) => NfsArgop4.FromOpgetattr(new Getattr4Args { AttrRequest = Fattr4Reader.Mask(attributes) });

    /// <summary>One operation's bytes, as the generated codec encodes it.</summary>
    private static byte[] Op(in NfsArgop4 operation) => XdrCodec.Encode(operation);

    /// <summary>An operation number nfs_opnum4 does not define, followed by what could be its arguments.</summary>
    private static byte[] Unknown(uint number, int argumentBytes = 8)
    {
        var bytes = new byte[4 + argumentBytes];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, number);
        bytes.AsSpan(4).Fill(0xEE);
        return bytes;
    }

    /// <summary>COMPOUND4args by hand: tag, minor version, the operation count, then the operations' bytes as given.</summary>
    private static byte[] Arguments(uint minorVersion, byte[] tag, int count, params byte[][] operations)
    {
        var head = XdrCodec.Encode(new Compound4Args { Tag = tag, Minorversion = minorVersion, Argarray = Array.Empty<NfsArgop4>() });
        BinaryPrimitives.WriteInt32BigEndian(head.AsSpan(head.Length - 4), count);
        return [.. head, .. operations.SelectMany(o => o)];
    }

    private static byte[] Arguments(uint minorVersion, params byte[][] operations) => Arguments(minorVersion, "bad"u8.ToArray(), operations.Length, operations);

    /// <summary>Dispatches procedure 1 and decodes the reply (which must be all of what was written).</summary>
    private async Task<(XdrDispatchResult Result, Compound4Res Reply)> SendAsync(byte[] arguments)
    {
        using var reply = new XdrBufferWriter();
        var result = await _dispatcher.DispatchAsync((uint)Nfs4V4Procedure.Compound, arguments, Callers.Root(), reply);
        if (result != XdrDispatchResult.Success)
            return (result, default);
        var reader = new XdrReader(reply.WrittenMemory.ToArray());
        var decoded = Compound4Res.Read(ref reader);
        Assert.That(reader.HasError || reader.Remaining != 0, Is.False, "the reply is exactly one COMPOUND4res");
        return (result, decoded);
    }

    private async Task<Compound4Res> OkAsync(byte[] arguments)
    {
        var (result, reply) = await SendAsync(arguments);
        Assert.That(result, Is.EqualTo(XdrDispatchResult.Success));
        return reply;
    }

    /// <summary>A 4.1 session of its own (through the service), and the SEQUENCE of its slot 1 with <paramref name="sequence"/>.</summary>
    private async Task<(Nfs4TestClient Client, Func<uint, byte[]> Sequence)> SessionAsync(string owner = "bad-input")
    {
        var client = new Nfs4TestClient(_service, () => Callers.Root(), owner);
        var session = await client.SessionAsync();
        // Slot 1: the client's own calls (RECLAIM_COMPLETE after CREATE_SESSION) use slot 0.
        return (client, sequence => Op(NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(session, sequence, slot: 1))));
    }

    [TestCase(0u)]
    [TestCase(1u)]
    [TestCase(2u)]
    [TestCase(59u)] // ALLOCATE, the first NFSv4.2 operation (RFC 7862): not one of 4.0's or 4.1's
    [TestCase(10043u)]
    [TestCase(0xFFFFFFFFu)]
    public async Task An_unknown_operation_number_runs_the_operations_before_it_and_answers_OP_ILLEGAL(uint number)
    {
        // RFC 7530's COMPOUND description (§15.2): an operation number below OP_ACCESS or past OP_RELEASE_LOCKOWNER is
        // answered with OP_ILLEGAL and NFS4ERR_OP_ILLEGAL in its place, and the COMPOUND's status is that too; what
        // follows it is not looked at (its length is unknown), so the words after it need not be anything.
        var reply = await OkAsync(Arguments(0, Op(PutRoot), Op(GetFh), Unknown(number), Op(PutRoot)));
        var results = reply.Resarray.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(Nfsstat4.Nfs4errOpIllegal));
            Assert.That(results.Select(r => r.Resop), Is.EqualTo(new[] { NfsOpnum4.OpPutrootfh, NfsOpnum4.OpGetfh, NfsOpnum4.OpIllegal }));
            Assert.That(results[1].Opgetfh.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "the operations before it ran");
            Assert.That(results[2].Opillegal.Status, Is.EqualTo(Nfsstat4.Nfs4errOpIllegal));
            Assert.That(reply.Tag.Value.ToArray(), Is.EqualTo("bad"u8.ToArray()));
        });
    }

    [Test]
    public async Task An_unknown_operation_after_SEQUENCE_is_OP_ILLEGAL_and_first_in_a_4_1_COMPOUND_too()
    {
        // RFC 8881 §16.2.3: an operation past OP_RECLAIM_COMPLETE is answered OP_ILLEGAL / NFS4ERR_OP_ILLEGAL; RFC 8881
        // §18.52.3: ILLEGAL's status is always NFS4ERR_OP_ILLEGAL, so one in SEQUENCE's place is that, not OP_NOT_IN_SESSION.
        var (_, sequence) = await SessionAsync();
        var inSession = await OkAsync(Arguments(1, sequence(1), Op(PutRoot), Unknown(60), Op(GetFh)));
        var first = await OkAsync(Arguments(1, Unknown(60), Op(PutRoot)));
        Assert.Multiple(() =>
        {
            Assert.That(inSession.Status, Is.EqualTo(Nfsstat4.Nfs4errOpIllegal));
            Assert.That(inSession.Resarray.ToArray().Select(r => r.Resop), Is.EqualTo(new[] { NfsOpnum4.OpSequence, NfsOpnum4.OpPutrootfh, NfsOpnum4.OpIllegal }));
            Assert.That(inSession.Resarray.ToArray()[0].Opsequence.SrStatus, Is.EqualTo(Nfsstat4.Nfs4Ok));
            Assert.That(first.Status, Is.EqualTo(Nfsstat4.Nfs4errOpIllegal));
            Assert.That(first.Resarray.ToArray().Select(r => r.Resop), Is.EqualTo(new[] { NfsOpnum4.OpIllegal }));
        });
    }

    [Test]
    public async Task Operations_that_do_not_decode_before_an_unknown_one_are_GARBAGE_ARGS()
    {
        // RFC 7530's COMPOUND description (§15.2): with a one-pass XDR decode, a decoding error is the RPC's
        // GARBAGE_ARGS. Here LOOKUP's name claims 100 bytes and the message ends first.
        var lookup = Op(Lookup("x"));
        BinaryPrimitives.WriteUInt32BigEndian(lookup.AsSpan(4), 100);
        var (result, _) = await SendAsync(Arguments(0, Op(PutRoot), lookup, Unknown(99)));
        var (counted, _) = await SendAsync(Arguments(0, "t"u8.ToArray(), 5, Op(PutRoot), Op(GetFh)));
        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(XdrDispatchResult.GarbageArguments));
            Assert.That(counted, Is.EqualTo(XdrDispatchResult.GarbageArguments), "five operations announced, two sent");
        });
    }

    [Test]
    public async Task A_4_1_operation_in_a_4_0_COMPOUND_is_OP_ILLEGAL_and_does_nothing()
    {
        // RFC 7530's COMPOUND description (§15.2): OP_RELEASE_LOCKOWNER is 4.0's last operation; those after it are
        // illegal there. EXCHANGE_ID would make a client record if it ran.
        var exchange = Op(NfsArgop4.FromOpexchangeId(Nfs4TestClient.ExchangeId("four-oh", 1)));
        var reply = await OkAsync(Arguments(0, Op(PutRoot), exchange));
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(Nfsstat4.Nfs4errOpIllegal));
            Assert.That(reply.Resarray.ToArray().Select(r => r.Resop), Is.EqualTo(new[] { NfsOpnum4.OpPutrootfh, NfsOpnum4.OpIllegal }));
        });
    }

    [TestCase(0u, Nfsstat4.Nfs4errResource)]
    [TestCase(1u, Nfsstat4.Nfs4errTooManyOps)]
    public async Task A_COMPOUND_of_100_000_operations_fails_at_the_first_and_costs_no_more_than_one_at_the_limit(uint minorVersion, Nfsstat4 expected)
    {
        // 100,000 PUTROOTFHs are 400,000 bytes: within the RPC record limit (RpcServerOptions.DefaultMaxRecordSize, 2 MiB),
        // so the COMPOUND is decoded and answered. RFC 7530 §15.2: resources the server does not have fail the operation
        // where they run out with NFS4ERR_RESOURCE; RFC 8881 §18.36.3 (ca_maxoperations): more operations than the
        // session takes are NFS4ERR_TOO_MANY_OPS. The server refuses at the first operation (after SEQUENCE) rather than
        // running 64 first: either is the RFCs' answer, and this way nothing runs that the client cannot see completed.
        const int count = 100_000;
        var operations = new List<byte[]>();
        if (minorVersion == 1)
            operations.Add((await SessionAsync()).Sequence(1));
        operations.AddRange(Enumerable.Repeat(Op(PutRoot), count - operations.Count));
        var arguments = Arguments(minorVersion, [.. operations]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var reply = await OkAsync(arguments);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var results = reply.Resarray.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(expected));
            Assert.That(results, Has.Length.EqualTo(minorVersion == 1 ? 2 : 1));
            Assert.That(results[^1].Resop, Is.EqualTo(NfsOpnum4.OpPutrootfh));
            // Memory: the operations are views of the message; nothing scales with their number (the message is 400 KB).
            Assert.That(allocated, Is.LessThan(arguments.Length / 4), "bytes allocated while answering");
        });
    }

    [TestCase(0u)]
    [TestCase(1u)]
    public async Task A_COMPOUND_of_no_operations_is_NFS4_OK_with_no_results(uint minorVersion)
    {
        // RFC 7530 §15.2 / RFC 8881 §16.2.3: the COMPOUND's status is the last executed operation's; with none there is no
        // failure to report. In 4.1 none of them is outside a session either (RFC 8881 §2.10.6 asks SEQUENCE to be the
        // first operation of a COMPOUND that has operations), so no SEQUENCE is needed.
        var reply = await OkAsync(Arguments(minorVersion));
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
            Assert.That(reply.Resarray.Count, Is.Zero);
            Assert.That(reply.Tag.Value.ToArray(), Is.EqualTo("bad"u8.ToArray()));
        });
    }

    [Test]
    public async Task A_4_0_tag_of_1_MiB_is_echoed()
    {
        // RFC 7530 §15.2: the tag is the client's, and the reply's SHOULD be the same. utf8str_cs has no bound, 1 MiB
        // fits the RPC record limit (2 MiB), and 4.0 has no session limits, so the call is served and the tag comes back.
        var tag = Enumerable.Repeat((byte)'t', 1 << 20).ToArray();
        var reply = await OkAsync(Arguments(0, tag, 2, Op(PutRoot), Op(GetFh)));
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
            Assert.That(reply.Tag.Value.ToArray(), Is.EqualTo(tag));
        });
    }

    [Test]
    public async Task A_4_1_request_with_a_tag_of_1_MiB_is_over_the_sessions_request_size_and_REQ_TOO_BIG()
    {
        // RFC 8881 §18.36.3: a request larger than the session's ca_maxrequestsize (this client asked 1 MiB) is
        // NFS4ERR_REQ_TOO_BIG, which SEQUENCE answers (RFC 8881 §18.46); the slot is not used, so its next request is
        // sequence 1 still.
        var (_, sequence) = await SessionAsync();
        var tag = Enumerable.Repeat((byte)'t', 1 << 20).ToArray();
        var reply = await OkAsync(Arguments(1, tag, 2, sequence(1), Op(PutRoot)));
        var next = await OkAsync(Arguments(1, sequence(1), Op(PutRoot)));
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(Nfsstat4.Nfs4errReqTooBig));
            Assert.That(reply.Resarray.ToArray().Select(r => r.Resop), Is.EqualTo(new[] { NfsOpnum4.OpSequence }));
            Assert.That(reply.Tag.Value.Length, Is.EqualTo(tag.Length), "the tag is echoed still");
            Assert.That(next.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "the slot was not used");
        });
    }

    [Test]
    public async Task GETATTR_of_bits_no_attribute_has_answers_the_others()
    {
        // RFC 7530 §16.7.4 (GETATTR): attributes the server does not support are left out of the reply's bitmap; bits
        // past every defined attribute (here 100 and 250) are such attributes, not an error.
        var reply = await OkAsync(Arguments(0, Op(PutRoot), Op(GetAttr(Type, 100, 250))));
        var attributes = reply.Resarray.ToArray()[1].Opgetattr.Resok4.ObjAttributes;
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
            Assert.That(attributes.Attrmask.ToArray(), Is.EqualTo(Fattr4Reader.Mask(Type)));
            Assert.That(Fattr4Reader.Read(attributes).Keys, Is.EqualTo(new[] { Type }));
        });
    }

    [Test]
    public async Task SETATTR_of_a_bit_no_attribute_has_is_ATTRNOTSUPP()
    {
        // RFC 7530 §16.32.4 / RFC 8881 §18.30.3: setting an attribute the server does not support is NFS4ERR_ATTRNOTSUPP;
        // its value's length is unknown, so nothing after it is read. The reply still carries attrsset, empty.
        var (_, sequence) = await SessionAsync();
        var attributes = new Fattr4Writer().UInt32(Mode, 0x1A4).Raw(200, 0, 0, 0, 1).Build();
        var setattr = NfsArgop4.FromOpsetattr(new Setattr4Args { Stateid = new Stateid4 { Other = new byte[12] }, ObjAttributes = attributes });
        var reply = await OkAsync(Arguments(1, sequence(1), Op(PutRoot), Op(Lookup("export")), Op(setattr)));
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(Nfsstat4.Nfs4errAttrnotsupp));
            Assert.That(reply.Resarray.ToArray()[3].Opsetattr.Attrsset.Count, Is.Zero);
        });
    }

    [TestCase(-2)]
    [TestCase(4)]
    public async Task SETATTR_whose_values_are_shorter_or_longer_than_its_bitmap_says_is_BADXDR(int extraBytes)
    {
        // RFC 7530 §13.1.1.1 (NFS4ERR_BADXDR): the arguments are not valid XDR; fattr4's attr_vals must hold exactly the
        // values of the bits of attrmask (RFC 7530 §5.3), so two bytes short of mode's value or four past it are not.
        var attributes = new Fattr4Writer().UInt32(Mode, 0x1A4).Build(extraBytes);
        var setattr = NfsArgop4.FromOpsetattr(new Setattr4Args { Stateid = new Stateid4 { Other = new byte[12] }, ObjAttributes = attributes });
        var reply = await OkAsync(Arguments(0, Op(PutRoot), Op(Lookup("export")), Op(setattr)));
        Assert.That(reply.Status, Is.EqualTo(Nfsstat4.Nfs4errBadxdr));
    }

    [Test]
    public async Task VERIFY_whose_values_end_inside_an_owner_is_BADXDR()
    {
        // RFC 7530 §13.1.1.1 / §5.3: the bitmap asks for mode and owner_group, the values hold mode only. Found by the
        // fuzzer: comparing the missing owner threw instead.
        var attributes = new Fattr4 { Attrmask = Fattr4Reader.Mask(Mode, 37), AttrVals = Fattr4Writer.Big(0x1A4u) };
        var reply = await OkAsync(Arguments(0, Op(PutRoot), Op(Lookup("export")), Op(NfsArgop4.FromOpverify(new Verify4Args { ObjAttributes = attributes }))));
        Assert.That(reply.Status, Is.EqualTo(Nfsstat4.Nfs4errBadxdr));
    }

    [Test]
    public async Task VERIFY_and_NVERIFY_of_the_file_systems_figures_compare_them()
    {
        // RFC 7530 §16.35 / §16.15 (VERIFY, NVERIFY): the attributes GETATTR just answered are the same. Found by the
        // fuzzer: files_avail and the other file system figures had no shape to compare with, and VERIFY threw.
        const int FilesAvail = 21, FilesTotal = 23, SpaceTotal = 44;
        var got = await OkAsync(Arguments(0, Op(PutRoot), Op(Lookup("export")), Op(GetAttr(Type, FilesAvail, FilesTotal, SpaceTotal))));
        var attributes = got.Resarray.ToArray()[2].Opgetattr.Resok4.ObjAttributes;
        Assert.That(attributes.Attrmask.ToArray(), Is.EqualTo(Fattr4Reader.Mask(Type, FilesAvail, FilesTotal, SpaceTotal)), "GETATTR serves them");
        var verify = await OkAsync(Arguments(0, Op(PutRoot), Op(Lookup("export")), Op(NfsArgop4.FromOpverify(new Verify4Args { ObjAttributes = attributes }))));
        var nverify = await OkAsync(Arguments(0, Op(PutRoot), Op(Lookup("export")), Op(NfsArgop4.FromOpnverify(new Nverify4Args { ObjAttributes = attributes }))));
        Assert.Multiple(() =>
        {
            Assert.That(verify.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
            Assert.That(nverify.Status, Is.EqualTo(Nfsstat4.Nfs4errSame));
        });
    }

    [TestCase(0u, Nfsstat4.Nfs4errResource)]
    [TestCase(1u, Nfsstat4.Nfs4errRepTooBig)]
    public async Task READs_past_what_the_reply_may_hold_are_shortened_and_then_refused(uint minorVersion, Nfsstat4 expected)
    {
        // RFC 8881 §18.36.3: a reply over the session's ca_maxresponsesize is NFS4ERR_REP_TOO_BIG; 4.0 has no session,
        // and a server out of room for a reply answers NFS4ERR_RESOURCE at that operation (RFC 7530 §15.2). A READ may
        // return fewer bytes than asked (RFC 7530 §16.23.4), so the one that reaches the limit is shortened, the next
        // refused. This server's limit is the transfer size plus 64 KiB (here 4 KiB + 64 KiB; the session asked 1 MiB).
        var options = new NfsServerOptions { MaxTransferSize = 4096, PreferredTransferSize = 4096 };
        _server = await TestServer.StartAsync(options: options);
        _service = new Nfs4Service(_server.Shares, _server.Options, NullLogger<Nfs4Service>.Instance);
        _dispatcher = new Nfs4Dispatcher<RpcCallContext>(_service);
        var file = await _server.CreateFileAsync(_server.Root, "big");
        for (int offset = 0; offset < 96 * 1024; offset += 4096)
            await _server.WriteAsync(file, (ulong)offset, new byte[4096]);
        var operations = new List<byte[]>();
        if (minorVersion == 1)
            operations.Add((await SessionAsync()).Sequence(1));
        operations.Add(Op(NfsArgop4.FromOpputfh(new Putfh4Args { Object = file.Data.ToArray() })));
        for (int i = 0; i < 24; i++)
            operations.Add(Op(NfsArgop4.FromOpread(new Read4Args { Stateid = new Stateid4 { Other = new byte[12] }, Offset = (ulong)i * 4096, Count = 4096 })));
        using var written = new XdrBufferWriter();
        var result = await _dispatcher.DispatchAsync((uint)Nfs4V4Procedure.Compound, Arguments(minorVersion, [.. operations]), Callers.Root(), written);
        var reply = XdrCodec.Decode<Compound4Res>(written.WrittenMemory.ToArray());
        var reads = reply.Resarray.ToArray().Where(r => r.Resop == NfsOpnum4.OpRead).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(XdrDispatchResult.Success));
            Assert.That(reply.Status, Is.EqualTo(expected));
            Assert.That(written.WrittenCount, Is.LessThanOrEqualTo(4096 + 64 * 1024), "the reply's size");
            Assert.That(reads[^1].Opread.Status, Is.EqualTo(expected), "the READ past the room");
            Assert.That(reads[..^1].Select(r => r.Opread.Status), Is.All.EqualTo(Nfsstat4.Nfs4Ok));
            Assert.That(reads[..^2].Select(r => r.Opread.Resok4.Data.Length), Is.All.EqualTo(4096), "whole READs while they fit");
            Assert.That(reads[^2].Opread.Resok4.Data.Length, Is.InRange(1, 4096), "the READ that reaches the limit, shortened");
        });
    }

    [Test]
    public async Task A_reply_to_be_cached_stays_within_the_cache_size_and_then_is_REP_TOO_BIG_TO_CACHE()
    {
        // RFC 8881 §18.36.3 / §18.46: with sa_cachethis, the reply must fit ca_maxresponsesize_cached (the test client
        // asked 4096) or the operation that does not fit is NFS4ERR_REP_TOO_BIG_TO_CACHE. The first READ is shortened to
        // fit (RFC 8881 §18.22.3: fewer bytes than asked), the second has no room; the reply that is cached is within it.
        var file = await _server.CreateFileAsync(_server.Root, "f");
        await _server.WriteAsync(file, 0, new byte[8192]);
        var client = new Nfs4TestClient(_service, () => Callers.Root(), "caching");
        var session = await client.SessionAsync();
        var read = Op(NfsArgop4.FromOpread(new Read4Args { Stateid = new Stateid4 { Other = new byte[12] }, Offset = 0, Count = 4096 }));
        var putfh = Op(NfsArgop4.FromOpputfh(new Putfh4Args { Object = file.Data.ToArray() }));
        var sequence = Op(NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(session, 1, slot: 1, cacheThis: true)));
        using var written = new XdrBufferWriter();
        await _dispatcher.DispatchAsync((uint)Nfs4V4Procedure.Compound, Arguments(1, sequence, putfh, read, read), Callers.Root(), written);
        var reply = XdrCodec.Decode<Compound4Res>(written.WrittenMemory.ToArray());
        var results = reply.Resarray.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(Nfsstat4.Nfs4errRepTooBigToCache));
            Assert.That(results.Select(r => r.Resop), Is.EqualTo(new[] { NfsOpnum4.OpSequence, NfsOpnum4.OpPutfh, NfsOpnum4.OpRead, NfsOpnum4.OpRead }));
            Assert.That(results[2].Opread.Resok4.Data.Length, Is.InRange(1, 4095), "the first READ, shortened");
            Assert.That(written.WrittenCount, Is.LessThanOrEqualTo(4096));
        });
    }

    [Test]
    public async Task A_stateid_of_another_client_is_BAD_STATEID()
    {
        // RFC 8881 §8.2.4: a stateid is valid only for the client that was given it; used in another client's session,
        // its "other" names no state of that client: NFS4ERR_BAD_STATEID.
        await _server.CreateFileAsync(_server.Root, "f");
        var (_, ownerSequence) = await SessionAsync("owner-client");
        var opened = await OkAsync(Arguments(1, ownerSequence(1), Op(PutRoot), Op(Lookup("export")), Op(Open("f"))));
        Assert.That(opened.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "OPEN by the owning client");
        var stateid = opened.Resarray.ToArray()[3].Opopen.Resok4.Stateid;
        var (_, otherSequence) = await SessionAsync("other-client");
        var read = NfsArgop4.FromOpread(new Read4Args { Stateid = stateid, Offset = 0, Count = 1 });
        var reply = await OkAsync(Arguments(1, otherSequence(1), Op(PutRoot), Op(Lookup("export")), Op(Lookup("f")), Op(read)));
        var close = NfsArgop4.FromOpclose(new Close4Args { OpenStateid = stateid });
        var closed = await OkAsync(Arguments(1, otherSequence(2), Op(PutRoot), Op(Lookup("export")), Op(Lookup("f")), Op(close)));
        var own = await OkAsync(Arguments(1, ownerSequence(2), Op(PutRoot), Op(Lookup("export")), Op(Lookup("f")), Op(read)));
        Assert.Multiple(() =>
        {
            Assert.That(reply.Status, Is.EqualTo(Nfsstat4.Nfs4errBadStateid), "READ");
            Assert.That(closed.Status, Is.EqualTo(Nfsstat4.Nfs4errBadStateid), "CLOSE");
            Assert.That(own.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "the owner's own READ with it: the open is still there");
        });
    }

    [Test]
    public async Task PUTFH_of_a_handle_no_server_made_is_BADHANDLE_and_of_a_share_that_is_not_exported_STALE()
    {
        // RFC 7530 §13.1.2.1 / §13.1.2.7 (RFC 8881 §15.1.2.1 / §15.1.2.7): NFS4ERR_BADHANDLE for a handle that is not
        // one of the server's formats, NFS4ERR_STALE for one that names no file (the share is gone).
        var garbage = await OkAsync(Arguments(0, Op(NfsArgop4.FromOpputfh(new Putfh4Args { Object = new byte[] { 9, 9, 9 } })), Op(GetFh)));
        var foreign = new FileHandle(_server.Share.Id ^ 1, 5, 1).ToOpaque().ToArray();
        var stale = await OkAsync(Arguments(0, Op(NfsArgop4.FromOpputfh(new Putfh4Args { Object = foreign })), Op(GetFh)));
        Assert.Multiple(() =>
        {
            Assert.That(garbage.Status, Is.EqualTo(Nfsstat4.Nfs4errBadhandle));
            Assert.That(garbage.Resarray.Count, Is.EqualTo(1));
            Assert.That(stale.Status, Is.EqualTo(Nfsstat4.Nfs4errStale));
        });
    }

    [Test]
    public async Task Operations_on_the_current_filehandle_without_one_are_NOFILEHANDLE()
    {
        // RFC 7530 §13.1.2.5 / RFC 8881 §15.1.2.4: NFS4ERR_NOFILEHANDLE when the current filehandle is not set; a
        // COMPOUND starts without one (RFC 7530 §15.2).
        var noHandle = new[]
        {
            GetFh, GetAttr(Type), Lookup("x"), new NfsArgop4(NfsOpnum4.OpLookupp), new NfsArgop4(NfsOpnum4.OpSavefh),
            new NfsArgop4(NfsOpnum4.OpReadlink), NfsArgop4.FromOpaccess(new Access4Args { Access = 1 }),
            NfsArgop4.FromOpremove(new Remove4Args { Target = "x"u8.ToArray() }),
            NfsArgop4.FromOpcommit(new Commit4Args()),
        };
        foreach (var operation in noHandle)
        {
            var reply = await OkAsync(Arguments(0, Op(operation)));
            Assert.That(reply.Status, Is.EqualTo(Nfsstat4.Nfs4errNofilehandle), operation.Argop.ToString());
        }
    }

    private static NfsArgop4 Open(string name) => NfsArgop4.FromOpopen(new Open4Args
    {
        ShareAccess = Attr.Open4ShareAccessRead,
        ShareDeny = Attr.Open4ShareDenyNone,
        Owner = new StateOwner4 { Clientid = 0, Owner = "owner"u8.ToArray() },
        Openhow = new Openflag4 { Opentype = Opentype4.Open4Nocreate },
        Claim = new OpenClaim4 { Claim = OpenClaimType4.ClaimNull, File = Encoding.UTF8.GetBytes(name) },
    });
}
