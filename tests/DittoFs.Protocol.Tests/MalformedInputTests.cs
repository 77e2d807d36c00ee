using DittoFs.Tests;
using System.Buffers.Binary;
using DittoFs.Protocol.Tests.Support;
using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests;

/// <summary>
/// Hostile and broken input: the decoders report the first error on the reader (never throw, never read
/// outside the message, never allocate by what a length word claims) and the dispatchers turn it into
/// GARBAGE_ARGS.
/// </summary>
public class MalformedInputTests
{
    public static IEnumerable<TestCaseData> AllCodecs() => RoundTripTests.AllCodecs();

    [TestCaseSource(nameof(AllCodecs))]
    public void Every_prefix_of_a_random_message_is_truncated(ICodecCase codec)
    {
        int seed = Seeds.For("prefix " + codec);
        var random = new RandomXdrValues(seed) { MaxOpaqueLength = 24, MaxElements = 3 };
        for (int i = 0; i < 10; i++)
            AssertEveryPrefixIsTruncated(codec, codec.Encode(random.Next(codec.ValueType, codec.Bound)), $"seed {seed} iteration {i}");
    }

    public static IEnumerable<TestCaseData> HandWrittenMessages()
    {
        yield return Case<RpcMsg>(CallWithAuthSys());
        yield return Case<Getattr3Args>(new Getattr3Args { Object = Handle(32) });
        yield return Case<Getattr3Res>(new Getattr3Res { Status = Nfsstat3.Nfs3Ok, Resok = new Getattr3Resok { ObjAttributes = new Fattr3 { Type = Ftype3.Nf3dir } } });
        yield return Case<Lookup3Args>(new Lookup3Args { What = new Diropargs3 { Dir = Handle(28), Name = "some-file.txt"u8.ToArray() } });
        yield return Case<Read3Args>(new Read3Args { File = Handle(16), Offset = 1, Count = 4096 });
        yield return Case<Write3Args>(new Write3Args { File = Handle(16), Count = 1001, Stable = StableHow.FileSync, Data = new byte[1001] });
        yield return Case<Create3Args>(new Create3Args { Where = new Diropargs3 { Dir = Handle(8), Name = "x"u8.ToArray() }, How = new Createhow3 { Mode = Createmode3.Exclusive, Verf = new byte[8] } });
        yield return Case<Readdirplus3Res>(Listing(3));
        yield return Case<Mountres3>(new Mountres3 { FhsStatus = Mountstat3.Mnt3Ok, Mountinfo = new Mountres3Ok { Fhandle = new byte[20], AuthFlavors = new[] { 1, 0 } } });
        yield return new TestCaseData(CodecCases.For<XdrList<Exportnode, Exportnode>, XdrLinkedListOfExportnodeCodec>(), XdrCodec.Encode<XdrList<Exportnode, Exportnode>, XdrLinkedListOfExportnodeCodec>(
            new[] { new Exportnode { ExDir = "/export"u8.ToArray(), ExGroups = new[] { new Groupnode { GrName = "10.0.0.0/8"u8.ToArray() } } } }))
            .SetArgDisplayNames("exports");

        static TestCaseData Case<T>(T value) where T : IXdrCodec<T> =>
            new TestCaseData(CodecCases.For<T, T>(), XdrCodec.Encode(value)).SetArgDisplayNames(typeof(T).Name);
    }

    [TestCaseSource(nameof(HandWrittenMessages))]
    public void Every_prefix_of_a_message_is_truncated(ICodecCase codec, byte[] message)
    {
        Assert.That(codec.Decode(message).Error, Is.EqualTo(XdrError.None), "the whole message decodes");
        AssertEveryPrefixIsTruncated(codec, message, "hand-written");
    }

    private static void AssertEveryPrefixIsTruncated(ICodecCase codec, byte[] message, string where)
    {
        for (int length = 0; length < message.Length; length++)
        {
            // A copy of exactly the prefix: reading past its end would throw instead of returning data.
            var prefix = message.AsSpan(0, length).ToArray();
            var (_, error, consumed) = codec.Decode(prefix);
            Assert.That(error, Is.EqualTo(XdrError.Truncated), $"{codec} {where}: prefix of {length} of {message.Length} bytes");
            Assert.That(consumed, Is.EqualTo(length), "a failed reader stands at the end");
        }
    }

    [Test]
    public void A_file_handle_of_65_bytes_exceeds_NFS3_FHSIZE()
    {
        Assert.That(Decode<NfsFh3>(Opaque(64)).Error, Is.EqualTo(XdrError.None));
        Assert.That(Decode<NfsFh3>(Opaque(65)).Error, Is.EqualTo(XdrError.LengthExceedsBound));
        Assert.That(Decode<Getattr3Args>(Opaque(65)).Error, Is.EqualTo(XdrError.LengthExceedsBound));
    }

    [Test]
    public void A_dirpath_of_1025_bytes_exceeds_MNTPATHLEN()
    {
        Assert.That(CodecCase<Dirpath, Dirpath>.DecodeValue(Opaque(1024)).Error, Is.EqualTo(XdrError.None));
        Assert.That(CodecCase<Dirpath, Dirpath>.DecodeValue(Opaque(1025)).Error, Is.EqualTo(XdrError.LengthExceedsBound));
    }

    [Test]
    public void A_filename3_of_1025_bytes_exceeds_its_decode_bound()
    {
        byte[] Lookup(int nameLength) => [.. Opaque(8), .. Opaque(nameLength)]; // dir handle, name
        Assert.That(Decode<Lookup3Args>(Lookup(1024)).Error, Is.EqualTo(XdrError.None));
        Assert.That(Decode<Lookup3Args>(Lookup(1025)).Error, Is.EqualTo(XdrError.LengthExceedsBound));
    }

    [Test]
    public void A_length_over_the_bound_is_reported_as_such_even_when_the_bytes_are_missing()
    {
        Assert.That(Decode<NfsFh3>(Words(0xFFFF_FFFF)).Error, Is.EqualTo(XdrError.LengthExceedsBound));
        // Unbounded opaque<>: a length longer than the message is a truncation.
        Assert.That(Decode<Write3Args>([.. Opaque(8), .. Words(0, 0, 10, 2, 0x7FFF_FFFF)]).Error, Is.EqualTo(XdrError.Truncated));
    }

    [Test]
    public void An_array_count_beyond_its_bound_or_beyond_the_message_fails_without_allocating()
    {
        // authsys_parms: stamp, machinename "", uid, gid, then gids<16>.
        Assert.That(Decode<AuthsysParms>(Words(1, 0, 2, 3, 17)).Error, Is.EqualTo(XdrError.LengthExceedsBound));
        Assert.That(Decode<AuthsysParms>(Words(1, 0, 2, 3, 16, 100)).Error, Is.EqualTo(XdrError.Truncated));

        // mountres3_ok: auth_flavors<> is unbounded, and claims two billion elements in a 12-byte message.
        byte[] hostile = Words((uint)Mountstat3.Mnt3Ok, 0, 0x7FFF_FFFF);
        Assert.That(Decode<Mountres3>(hostile).Error, Is.EqualTo(XdrError.Truncated));
        long allocated = Allocations.Of(static () => Allocations.Keep(Decode<Mountres3>(Hostile).Error));
        Assert.That(allocated, Is.Zero);
    }

    private static readonly byte[] Hostile = Words((uint)Mountstat3.Mnt3Ok, 0, 0x7FFF_FFFF);

    [Test]
    public void A_bool_other_than_0_or_1_is_invalid()
    {
        // LOOKUP3res, error arm: status NFS3ERR_NOENT, then post_op_attr's attributes_follow of 2.
        Assert.That(Decode<Lookup3Res>(Words(2, 2)).Error, Is.EqualTo(XdrError.InvalidBoolean));
        // READDIR3res: the TRUE/FALSE that links entries, given as 7.
        byte[] listing = [.. Words(0, 0), 1, 2, 3, 4, 5, 6, 7, 8, .. Words(7)];
        Assert.That(Decode<Readdir3Res>(listing).Error, Is.EqualTo(XdrError.InvalidBoolean));
        // The bool of READ3resok.eof.
        Assert.That(Decode<Read3Resok>(Words(0, 10, 0xFFFF_FFFF, 0)).Error, Is.EqualTo(XdrError.InvalidBoolean));
    }

    [Test]
    public void An_enum_value_that_the_enum_does_not_declare_is_unknown()
    {
        Assert.That(Decode<Getattr3Res>(Words(12345)).Error, Is.EqualTo(XdrError.UnknownEnumValue), "nfsstat3");
        Assert.That(Decode<Fattr3>([.. Words(0), .. new byte[80]]).Error, Is.EqualTo(XdrError.UnknownEnumValue), "ftype3 0");
        Assert.That(Decode<Fattr3>([.. Words(8), .. new byte[80]]).Error, Is.EqualTo(XdrError.UnknownEnumValue), "ftype3 8");
        Assert.That(Decode<Write3Args>([.. Opaque(8), .. Words(0, 0, 0, 3, 0)]).Error, Is.EqualTo(XdrError.UnknownEnumValue), "stable_how 3");
        // An enum discriminant is checked as an enum first: an undeclared value never reaches the union's switch.
        Assert.That(Decode<RpcMsg>(Words(1, 2)).Error, Is.EqualTo(XdrError.UnknownEnumValue), "msg_type 2");
        Assert.That(Decode<Createhow3>(Words(3)).Error, Is.EqualTo(XdrError.UnknownEnumValue), "createmode3 3");
    }

    [Test]
    public void A_discriminant_with_no_arm_and_no_default_is_unknown()
    {
        // probe.x: union probe_result switch (int kind) { case 1: unsigned int count; case 2: void; };
        Assert.That(Decode<ProbeResult>(Words(1, 7)).Error, Is.EqualTo(XdrError.None));
        Assert.That(Decode<ProbeResult>(Words(1, 7)).Value.Count, Is.EqualTo(7u));
        Assert.That(Decode<ProbeResult>(Words(2)).Error, Is.EqualTo(XdrError.None));
        Assert.That(Decode<ProbeResult>(Words(3)).Error, Is.EqualTo(XdrError.UnknownDiscriminant));
        Assert.That(Decode<ProbeResult>(Words(0xFFFF_FFFF)).Error, Is.EqualTo(XdrError.UnknownDiscriminant));
        Assert.That(() => XdrCodec.Encode(new ProbeResult { Kind = 3 }), Throws.ArgumentException, "no arm to encode");
    }

    [Test]
    public void The_first_error_is_kept_with_its_position_and_later_reads_yield_zero()
    {
        var reader = new XdrReader(Words(2, 5, 6));
        Assert.That(reader.ReadBool(), Is.False);
        Assert.That(reader.ErrorPosition, Is.EqualTo(4), "after the bad word");
        Assert.That(reader.ReadUInt32(), Is.Zero, "the reader jumped to the end");
        reader.Fail(XdrError.Truncated);
        Assert.That(reader.Error, Is.EqualTo(XdrError.InvalidBoolean));
        Assert.That(reader.Position, Is.EqualTo(12));
    }

    [Test]
    public void Decode_throws_and_TryDecode_reports_the_error()
    {
        var ex = Assert.Throws<XdrDecodeException>(() => XdrCodec.Decode<Getattr3Res>(Words(12345)));
        Assert.That(ex.Error, Is.EqualTo(XdrError.UnknownEnumValue));
        Assert.That(XdrCodec.TryDecode<Getattr3Res, Getattr3Res>(Words(2), out var value, out var error), Is.True);
        Assert.That(value.Status, Is.EqualTo(Nfsstat3.Nfs3errNoent));
        Assert.That(error, Is.EqualTo(XdrError.None));
        Assert.That(XdrCodec.TryDecode<Getattr3Res, Getattr3Res>(Words(), out _, out error), Is.False);
        Assert.That(error, Is.EqualTo(XdrError.Truncated));
    }

    [Test]
    public void Encoding_a_value_the_wire_cannot_carry_throws()
    {
        Assert.That(() => XdrCodec.Encode(new NfsFh3 { Data = new byte[65] }), Throws.ArgumentException);
        Assert.That(() => XdrCodec.Encode(new Readdir3Args { Dir = Handle(8), Cookieverf = new byte[7] }), Throws.ArgumentException, "cookieverf3 is exactly 8 bytes");
        Assert.That(() => XdrCodec.Encode(new AuthsysParms { Gids = new uint[17] }), Throws.ArgumentException);
    }

    [Test]
    public void The_dispatcher_answers_garbage_for_an_oversized_dirpath()
    {
        var dispatcher = new MountV3Dispatcher<object?>(new FakeMountService());
        using var results = new XdrBufferWriter();
        var outcome = dispatcher.DispatchAsync((uint)MountV3Procedure.Mnt, Opaque(1025), null, results);
        Assert.That(outcome.IsCompletedSuccessfully);
        Assert.That(outcome.Result, Is.EqualTo(XdrDispatchResult.GarbageArguments));
        Assert.That(results.WrittenCount, Is.Zero);
    }

    private static (T Value, XdrError Error) Decode<T>(byte[] bytes) where T : IXdrCodec<T>
    {
        var (value, error, _) = CodecCase<T, T>.DecodeValue(bytes);
        return (value, error);
    }

    /// <summary>Big-endian 32-bit words.</summary>
    internal static byte[] Words(params uint[] words)
    {
        var bytes = new byte[words.Length * 4];
        for (int i = 0; i < words.Length; i++)
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * 4), words[i]);
        return bytes;
    }

    /// <summary>A variable-length opaque of <paramref name="length"/> bytes of 0x61, padded.</summary>
    internal static byte[] Opaque(int length)
    {
        var bytes = new byte[4 + XdrSize.Pad(length)];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)length);
        bytes.AsSpan(4, length).Fill(0x61);
        return bytes;
    }

    internal static NfsFh3 Handle(int length) => new() { Data = Enumerable.Range(1, length).Select(i => (byte)i).ToArray() };

    internal static RpcMsg CallWithAuthSys() => new()
    {
        Xid = 7,
        Body = new RpcMsgBody
        {
            Mtype = MsgType.Call,
            Cbody = new CallBody
            {
                Rpcvers = 2,
                Prog = NfsV3Program.Program,
                Vers = NfsV3Program.Version,
                Proc = (uint)NfsV3Procedure.Write,
                Cred = new OpaqueAuth
                {
                    Flavor = (uint)AuthFlavor.AuthSys,
                    Body = XdrCodec.Encode(new AuthsysParms { Machinename = "host"u8.ToArray(), Uid = 1, Gid = 2, Gids = new uint[] { 3, 4, 5 } }),
                },
                Verf = new OpaqueAuth { Flavor = (uint)AuthFlavor.AuthNone },
            },
        },
    };

    internal static Readdirplus3Res Listing(int entries) => new()
    {
        Status = Nfsstat3.Nfs3Ok,
        Resok = new Readdirplus3Resok
        {
            DirAttributes = new PostOpAttr { AttributesFollow = true, Attributes = new Fattr3 { Type = Ftype3.Nf3dir, Fileid = 1 } },
            Cookieverf = new byte[8],
            Reply = new Dirlistplus3
            {
                Entries = Enumerable.Range(0, entries).Select(i => new Entryplus3
                {
                    Fileid = (ulong)i + 2,
                    Name = System.Text.Encoding.ASCII.GetBytes($"file-{i:D4}.dat"),
                    Cookie = (ulong)i + 1,
                    NameAttributes = new PostOpAttr { AttributesFollow = true, Attributes = new Fattr3 { Type = Ftype3.Nf3reg, Fileid = (ulong)i + 2, Size = 4096 } },
                    NameHandle = new PostOpFh3 { HandleFollows = true, Handle = Handle(32) },
                }).ToArray(),
                Eof = true,
            },
        },
    };
}
