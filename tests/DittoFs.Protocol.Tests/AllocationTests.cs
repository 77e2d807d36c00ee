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
