using System.Text;
using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Nfs.Tests;

/// <summary>The services behind the generated dispatchers, fed encoded arguments as the RPC layer will.</summary>
public class DispatcherWiringTests
{
    private static async Task<T> Call<T>(IXdrProgram<RpcCallContext> program, uint procedure, byte[] arguments, RpcCallContext? caller = null)
        where T : IXdrCodec<T>
    {
        using var results = new XdrBufferWriter();
        var outcome = await program.DispatchAsync(procedure, arguments, caller ?? Callers.Root(), results);
        Assert.That(outcome, Is.EqualTo(XdrDispatchResult.Success));
        return XdrCodec.Decode<T>(results.WrittenMemory.ToArray());
    }

    private static async Task<(IXdrProgram<RpcCallContext> Mount, IXdrProgram<RpcCallContext> Nfs, TestServer Server)> Programs()
    {
        var server = await TestServer.StartAsync();
        var programs = NfsPrograms.Create(server.Shares, server.Options, NullLoggerFactory.Instance);
        return (programs.Single(p => p.Program == MountV3Program.Program), programs.Single(p => p.Program == NfsV3Program.Program), server);
    }

    [Test]
    public async Task The_composition_offers_MOUNT_v3_and_NFS_v3()
    {
        var server = await TestServer.StartAsync();

        var programs = NfsPrograms.Create(server.Shares, server.Options, NullLoggerFactory.Instance);

        Assert.That(programs.Select(p => (p.Program, p.Version)), Is.EquivalentTo(new[] { (100005u, 3u), (100003u, 3u) }));
    }

    [Test]
    public async Task MNT_then_GETATTR_through_the_dispatchers()
    {
        var (mount, nfs, _) = await Programs();

        var mounted = await Call<Mountres3>(mount, (uint)MountV3Procedure.Mnt, XdrCodec.Encode<Dirpath, Dirpath>("/export"u8.ToArray()));
        var attributes = await Call<Getattr3Res>(nfs, (uint)NfsV3Procedure.Getattr, XdrCodec.Encode(new Getattr3Args { Object = new NfsFh3 { Data = mounted.Mountinfo.Fhandle } }));

        Assert.That(mounted.FhsStatus, Is.EqualTo(Mountstat3.Mnt3Ok));
        Assert.That(attributes.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(attributes.Resok.ObjAttributes.Type, Is.EqualTo(Ftype3.Nf3dir));
    }

    [Test]
    public async Task CREATE_WRITE_READ_through_the_dispatcher()
    {
        var (_, nfs, server) = await Programs();
        var created = await Call<Create3Res>(nfs, (uint)NfsV3Procedure.Create, XdrCodec.Encode(new Create3Args
        {
            Where = TestServer.Where(server.Root, "wired"),
            How = new Createhow3 { Mode = Createmode3.Guarded, ObjAttributes = Sattr.Mode(0x1A4) },
        }));
        var handle = created.Resok.Obj.Handle;

        var written = await Call<Write3Res>(nfs, (uint)NfsV3Procedure.Write, XdrCodec.Encode(new Write3Args
        {
            File = handle, Offset = 0, Count = 5, Stable = StableHow.FileSync, Data = "bytes"u8.ToArray(),
        }));
        var read = await Call<Read3Res>(nfs, (uint)NfsV3Procedure.Read, XdrCodec.Encode(new Read3Args { File = handle, Offset = 0, Count = 100 }));

        Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That((written.Status, written.Resok.Committed, written.Resok.Count.Value), Is.EqualTo((Nfsstat3.Nfs3Ok, StableHow.FileSync, 5u)));
        Assert.That(Encoding.ASCII.GetString(read.Resok.Data.Span), Is.EqualTo("bytes"));
        Assert.That(read.Resok.Eof, Is.True);
    }

    /// <summary>
    /// Through the RPC layer (reply data in the context) a large READ is lent by the store and sent from its
    /// memory; the bytes must be those a copied READ gives: data, a hole, and zeros where the size goes past the
    /// content (a truncation that grew the file).
    /// </summary>
    [Test]
    public async Task A_large_READ_through_the_RPC_layer_is_lent_and_carries_the_bytes_a_copied_READ_does()
    {
        var (_, nfs, server) = await Programs();
        var file = await server.CreateFileAsync(server.Root, "lent");
        var first = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();
        var second = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 13 + 1)).ToArray();
        await server.WriteAsync(file, 0, first);
        await server.WriteAsync(file, 300_000, second);
        await server.Nfs.SetattrAsync(new Setattr3Args { Object = file, NewAttributes = Sattr.Size(1_500_000) }, Callers.Root());
        var arguments = XdrCodec.Encode(new Read3Args { File = file, Offset = 50_000, Count = 1 << 20 });

        var copied = await Call<Read3Res>(nfs, (uint)NfsV3Procedure.Read, arguments);
        using var reply = new XdrBufferWriter();
        using var data = new ReplyData(reply);
        var caller = Callers.Root();
        caller.ReplyData = data;
        Assert.That(await nfs.DispatchAsync((uint)NfsV3Procedure.Read, arguments, caller, reply), Is.EqualTo(XdrDispatchResult.Success));
        Assert.That(data.IsCarried && reply.OutOfLineLength == 1 << 20, "the data is out of line and carried by the result");
        data.Inline();
        var lent = XdrCodec.Decode<Read3Res>(reply.WrittenMemory.ToArray());

        Assert.That(server.Content.Lends, Is.EqualTo(1));
        Assert.That(lent.Resok.Count, Is.EqualTo(copied.Resok.Count));
        Assert.That(lent.Resok.Eof, Is.EqualTo(copied.Resok.Eof));
        Assert.That(lent.Resok.Data.ToArray(), Is.EqualTo(copied.Resok.Data.ToArray()));
        var expected = new byte[1 << 20];
        first.AsSpan(50_000).CopyTo(expected);
        second.CopyTo(expected.AsSpan(250_000));
        Assert.That(lent.Resok.Data.ToArray(), Is.EqualTo(expected));
    }

    /// <summary>
    /// Through the RPC layer a READ the store does not lend is read into a buffer the reply owns and carried out of line
    /// from there: the service never learns where in the reply its data lands.
    /// </summary>
    [Test]
    public async Task A_small_READ_through_the_RPC_layer_is_read_into_the_replys_own_buffer()
    {
        var (_, nfs, server) = await Programs();
        var file = await server.CreateFileAsync(server.Root, "small");
        await server.WriteAsync(file, 0, "some bytes"u8.ToArray());
        var arguments = XdrCodec.Encode(new Read3Args { File = file, Offset = 5, Count = 100 });

        using var reply = new XdrBufferWriter();
        using var data = new ReplyData(reply);
        var caller = Callers.Root();
        caller.ReplyData = data;
        Assert.That(await nfs.DispatchAsync((uint)NfsV3Procedure.Read, arguments, caller, reply), Is.EqualTo(XdrDispatchResult.Success));
        Assert.That((data.IsCarried, reply.OutOfLineLength), Is.EqualTo((true, 5)), "the data is out of line and carried by the result");
        data.Inline();
        var read = XdrCodec.Decode<Read3Res>(reply.WrittenMemory.ToArray());

        Assert.That(server.Content.Lends, Is.Zero);
        Assert.That((read.Status, read.Resok.Count.Value, read.Resok.Eof), Is.EqualTo((Nfsstat3.Nfs3Ok, 5u, true)));
        Assert.That(Encoding.ASCII.GetString(read.Resok.Data.Span), Is.EqualTo("bytes"));
    }

    [Test]
    public async Task READDIRPLUS_through_the_dispatcher_decodes_its_entries()
    {
        var (_, nfs, server) = await Programs();
        await server.CreateFileAsync(server.Root, "one");
        await server.CreateFileAsync(server.Root, "two");

        var listing = await Call<Readdirplus3Res>(nfs, (uint)NfsV3Procedure.Readdirplus, XdrCodec.Encode(new Readdirplus3Args
        {
            Dir = server.Root, Cookie = 0, Cookieverf = new byte[8], Dircount = 1024, Maxcount = 8192,
        }));

        Assert.That(listing.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(listing.Resok.Reply.Entries.ToArray().Select(e => Encoding.UTF8.GetString(e.Name.Span)), Is.EqualTo(new[] { ".", "..", "one", "two" }));
        Assert.That(listing.Resok.Reply.Eof, Is.True);
    }

    [Test]
    public async Task A_bad_handle_through_the_dispatcher_is_an_NFS_error_not_garbage()
    {
        var (_, nfs, _) = await Programs();

        var result = await Call<Getattr3Res>(nfs, (uint)NfsV3Procedure.Getattr, XdrCodec.Encode(new Getattr3Args { Object = new NfsFh3 { Data = new byte[7] } }));

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errBadhandle));
    }

    [Test]
    public async Task Truncated_arguments_are_GARBAGE_ARGS()
    {
        var (_, nfs, _) = await Programs();
        using var results = new XdrBufferWriter();

        var outcome = await nfs.DispatchAsync((uint)NfsV3Procedure.Lookup, new byte[] { 0, 0, 0, 24, 1 }, Callers.Root(), results);

        Assert.That(outcome, Is.EqualTo(XdrDispatchResult.GarbageArguments));
    }
}
