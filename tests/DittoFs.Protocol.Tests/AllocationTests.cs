using DittoFs.Tests;
using DittoFs.Protocol.Tests.Support;
using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests;

/// <summary>
/// The hot path allocates nothing: decoding the common calls, walking a decoded directory listing, encoding
/// a result into a reused buffer, dispatching a call that completes synchronously. Counted with
/// GC.GetAllocatedBytesForCurrentThread after warm-up (see <see cref="Allocations"/>).
/// </summary>
public class AllocationTests
{
    private static readonly byte[] Write64K = XdrCodec.Encode(new Write3Args
    {
        File = MalformedInputTests.Handle(32),
        Offset = 1 << 20,
        Count = 65536,
        Stable = StableHow.Unstable,
        Data = new byte[65536],
    });

    private static readonly byte[] Lookup = XdrCodec.Encode(new Lookup3Args { What = new Diropargs3 { Dir = MalformedInputTests.Handle(32), Name = "a-file-name.txt"u8.ToArray() } });
    private static readonly byte[] Read = XdrCodec.Encode(new Read3Args { File = MalformedInputTests.Handle(32), Offset = 4096, Count = 65536 });
    private static readonly byte[] Listing = XdrCodec.Encode(MalformedInputTests.Listing(50));
    private static readonly Getattr3Res Attributes = new() { Status = Nfsstat3.Nfs3Ok, Resok = new Getattr3Resok { ObjAttributes = FakeNfsService.FileAttributes } };
    private static readonly XdrBufferWriter Results = new();
    private static readonly NfsV3Dispatcher<object?> Dispatcher = new(new FakeNfsService());
    private static readonly byte[] GetattrCall = XdrCodec.Encode(new Getattr3Args { Object = new NfsFh3 { Data = FakeNfsService.FileHandle } });

    private static readonly Sessionid4 SessionId = (InlineOpaque<InlineBytes16>)new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

    /// <summary>An NFSv4.1 COMPOUND of SEQUENCE, PUTFH and READ, as a client sends it.</summary>
    private static readonly byte[] SequencePutfhRead = XdrCodec.Encode(new Compound4Args
    {
        Tag = Array.Empty<byte>(),
        Minorversion = 1,
        Argarray = new[]
        {
            NfsArgop4.FromOpsequence(new Sequence4Args { SaSessionid = SessionId, SaSequenceid = 7, SaSlotid = 0, SaHighestSlotid = 0 }),
            NfsArgop4.FromOpputfh(new Putfh4Args { Object = new byte[24] }),
            NfsArgop4.FromOpread(new Read4Args { Stateid = new Stateid4 { Other = new byte[12] }, Offset = 4096, Count = 65536 }),
        },
    });

    private static readonly XdrArm<Sequence4Res> SequenceBox = new();
    private static readonly XdrArm<Putfh4Res> PutfhBox = new();
    private static readonly XdrArm<Read4Res> ReadBox = new();
    private static readonly NfsResop4[] ResultOps = new NfsResop4[16];
    private static readonly byte[] ReadData = new byte[65536];

    [Test]
    public void Decoding_a_COMPOUND_of_SEQUENCE_PUTFH_READ_and_reading_each_operation_allocates_nothing()
    {
        Assert.That(Allocations.Of(static () =>
        {
            var compound = XdrCodec.Decode<Compound4Args>(SequencePutfhRead);
            ulong sum = 0;
            foreach (var op in compound.Argarray)
            {
                sum += op.Argop switch
                {
                    NfsOpnum4.OpSequence => op.Opsequence.SaSequenceid,
                    NfsOpnum4.OpPutfh => (ulong)op.Opputfh.Object.Value.Length,
                    NfsOpnum4.OpRead => op.Opread.Count,
                    _ => 0,
                };
            }
            Allocations.Keep(sum);
        }), Is.Zero);
    }

    [Test]
    public void Encoding_a_COMPOUND_result_built_from_reused_boxes_allocates_nothing()
    {
        Assert.That(Allocations.Of(static () =>
        {
            SequenceBox.Value = new Sequence4Res { SrStatus = Nfsstat4.Nfs4Ok, SrResok4 = new Sequence4Resok { SrSessionid = SessionId, SrSequenceid = 7 } };
            PutfhBox.Value = new Putfh4Res { Status = Nfsstat4.Nfs4Ok };
            ReadBox.Value = new Read4Res { Status = Nfsstat4.Nfs4Ok, Resok4 = new Read4Resok { Eof = false, Data = ReadData } };
            ResultOps[0] = NfsResop4.FromOpsequence(SequenceBox);
            ResultOps[1] = NfsResop4.FromOpputfh(PutfhBox);
            ResultOps[2] = NfsResop4.FromOpread(ReadBox);
            var result = new Compound4Res { Status = Nfsstat4.Nfs4Ok, Tag = ReadOnlyMemory<byte>.Empty, Resarray = new XdrList<NfsResop4, NfsResop4>(ResultOps, 3) };
            Results.Clear();
            Results.Write<Compound4Res, Compound4Res>(result);
            Allocations.Keep(Results.WrittenCount);
        }), Is.Zero);
    }

    [Test]
    public void Decoding_WRITE3args_with_64_KiB_allocates_nothing()
    {
        Assert.That(Allocations.Of(static () => Allocations.Keep(XdrCodec.Decode<Write3Args>(Write64K).Data.Length)), Is.Zero);
    }

    [Test]
    public void Decoding_LOOKUP3args_allocates_nothing()
    {
        Assert.That(Allocations.Of(static () => Allocations.Keep(XdrCodec.Decode<Lookup3Args>(Lookup).What.Name.Length)), Is.Zero);
    }

    [Test]
    public void Decoding_READ3args_allocates_nothing()
    {
        Assert.That(Allocations.Of(static () => Allocations.Keep(XdrCodec.Decode<Read3Args>(Read).Count)), Is.Zero);
    }

    [Test]
    public void Decoding_and_walking_a_READDIRPLUS3res_listing_allocates_nothing()
    {
        Assert.That(Allocations.Of(static () =>
        {
            var listing = XdrCodec.Decode<Readdirplus3Res>(Listing);
            ulong cookies = 0;
            foreach (var entry in listing.Resok.Reply.Entries)
                cookies += entry.Cookie + (ulong)entry.Name.Length + entry.NameAttributes.Attributes.Size;
            Allocations.Keep(cookies);
        }), Is.Zero);
    }

    [Test]
    public void Encoding_GETATTR3res_into_a_reused_buffer_allocates_nothing()
    {
        Assert.That(Allocations.Of(static () =>
        {
            Results.Clear();
            Results.Write<Getattr3Res, Getattr3Res>(in Attributes);
            Allocations.Keep(Results.WrittenCount);
        }), Is.Zero);
    }

    [Test]
    public void Dispatching_a_GETATTR_that_completes_at_once_allocates_nothing()
    {
        Assert.That(Allocations.Of(static () =>
        {
            Results.Clear();
            var outcome = Dispatcher.DispatchAsync((uint)NfsV3Procedure.Getattr, GetattrCall, null, Results);
            Allocations.Keep(outcome.Result);
        }), Is.Zero);
    }
}
