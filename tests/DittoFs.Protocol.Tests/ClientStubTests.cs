using System.Text;
using DittoFs.Protocol.Tests.Support;
using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests;

/// <summary>The generated client stubs, talking to the generated dispatchers over an in-memory loopback.</summary>
public class ClientStubTests
{
    private FakeNfsService _nfs = null!;
    private FakeMountService _mount = null!;
    private LoopbackTransport _transport = null!;

    [SetUp]
    public void SetUp()
    {
        _nfs = new FakeNfsService();
        _mount = new FakeMountService();
        _transport = new LoopbackTransport(new NfsV3Dispatcher<object?>(_nfs), new MountV3Dispatcher<object?>(_mount));
    }

    [Test]
    public async Task GETATTR_round_trips_through_client_and_dispatcher()
    {
        var client = new NfsV3Client(_transport);
        var arguments = new Getattr3Args { Object = new NfsFh3 { Data = FakeNfsService.FileHandle } };

        var result = await client.GetattrAsync(arguments);

        Assert.That(_transport.LastProcedure, Is.EqualTo((uint)NfsV3Procedure.Getattr));
        Assert.That(_transport.LastArguments, Is.EqualTo(XdrCodec.Encode(arguments)));
        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.ObjAttributes, Is.EqualTo(FakeNfsService.FileAttributes));
    }

    [Test]
    public async Task LOOKUP_finds_the_file_by_name_and_reports_a_missing_one()
    {
        var client = new NfsV3Client(_transport);
        var directory = new NfsFh3 { Data = FakeNfsService.DirectoryHandle };

        var found = await client.LookupAsync(new Lookup3Args { What = new Diropargs3 { Dir = directory, Name = Encoding.ASCII.GetBytes(FakeNfsService.FileName) } });
        var missing = await client.LookupAsync(new Lookup3Args { What = new Diropargs3 { Dir = directory, Name = "absent"u8.ToArray() } });

        Assert.That(found.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(found.Resok.Object.Data.ToArray(), Is.EqualTo(FakeNfsService.FileHandle));
        Assert.That(found.Resok.ObjAttributes.Attributes, Is.EqualTo(FakeNfsService.FileAttributes));
        Assert.That(missing.Status, Is.EqualTo(Nfsstat3.Nfs3errNoent));
        Assert.That(missing.Resfail.DirAttributes.Attributes, Is.EqualTo(FakeNfsService.DirectoryAttributes));
    }

    [Test]
    public async Task WRITE_answered_asynchronously_round_trips()
    {
        var client = new NfsV3Client(_transport);
        var data = Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray();

        var result = await client.WriteAsync(new Write3Args { File = new NfsFh3 { Data = FakeNfsService.FileHandle }, Count = 3000, Stable = StableHow.Unstable, Data = data });

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.Count.Value, Is.EqualTo(3000u));
        Assert.That(result.Resok.Committed, Is.EqualTo(StableHow.FileSync));
        Assert.That(_nfs.LastWrittenData.ToArray(), Is.EqualTo(data));
    }

    [Test]
    public async Task NULL_round_trips()
    {
        await new NfsV3Client(_transport).NullAsync();
        Assert.That(_nfs.NullCalls, Is.EqualTo(1));
        Assert.That(_transport.LastArguments, Is.Empty);
    }

    [Test]
    public async Task A_procedure_the_double_does_not_implement_answers_its_error_arm()
    {
        var result = await new NfsV3Client(_transport).FsstatAsync(new Fsstat3Args { Fsroot = new NfsFh3 { Data = FakeNfsService.DirectoryHandle } });
        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errNotsupp));
        Assert.That(result.Resfail.ObjAttributes.AttributesFollow, Is.False);
    }

    [Test]
    public async Task MOUNT_MNT_EXPORT_DUMP_and_UMNT_round_trip()
    {
        var client = new MountV3Client(_transport);

        var mounted = await client.MntAsync("/export"u8.ToArray());
        var refused = await client.MntAsync("/elsewhere"u8.ToArray());
        var exports = (await client.ExportAsync()).ToArray();
        var dump = (await client.DumpAsync()).ToArray();
        await client.UmntAsync("/export"u8.ToArray());
        var dumpAfter = await client.DumpAsync();

        Assert.That(mounted.FhsStatus, Is.EqualTo(Mountstat3.Mnt3Ok));
        Assert.That(mounted.Mountinfo.Fhandle.ToArray(), Is.EqualTo(FakeMountService.RootHandle));
        Assert.That(mounted.Mountinfo.AuthFlavors.ToArray(), Is.EqualTo(new[] { 1, 0 }));
        Assert.That(refused.FhsStatus, Is.EqualTo(Mountstat3.Mnt3errNoent));
        Assert.That(exports, Has.Length.EqualTo(1));
        Assert.That(Encoding.ASCII.GetString(exports[0].ExDir.Span), Is.EqualTo("/export"));
        Assert.That(exports[0].ExGroups.ToArray().Select(g => Encoding.ASCII.GetString(g.GrName.Span)), Is.EqualTo(new[] { "10.0.0.0/8", "client.example" }));
        Assert.That(dump.Select(m => Encoding.ASCII.GetString(m.MlDirectory.Span)), Is.EqualTo(new[] { "/export" }));
        Assert.That(dumpAfter.Count, Is.Zero);
    }

    [Test]
    public void A_call_the_server_does_not_accept_fails_in_the_client()
    {
        var transport = new LoopbackTransport(new MountV3Dispatcher<object?>(_mount));
        Assert.That(async () => await new NfsV3Client(transport).NullAsync(), Throws.InvalidOperationException.With.Message.Contains("PROG_UNAVAIL"));
    }

    [Test]
    public void A_reply_that_does_not_decode_throws_XdrDecodeException()
    {
        var client = new NfsV3Client(new CannedReplyTransport([0, 0, 0, 0, 0, 0, 0, 9])); // NFS3_OK, then ftype3 9
        Assert.That(async () => await client.GetattrAsync(default), Throws.TypeOf<XdrDecodeException>().With.Property(nameof(XdrDecodeException.Error)).EqualTo(XdrError.UnknownEnumValue));
    }

    private sealed class CannedReplyTransport(byte[] reply) : IXdrCallTransport
    {
        public ValueTask<ReadOnlyMemory<byte>> CallAsync<TArguments, TCodec>(uint program, uint version, uint procedure, TArguments arguments, CancellationToken cancellationToken)
            where TCodec : IXdrCodec<TArguments> => new(reply);
    }
}
