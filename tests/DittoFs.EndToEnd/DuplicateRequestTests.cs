using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;

namespace DittoFs.EndToEnd;

/// <summary>
/// A retransmitted non-idempotent call (same xid, same client, same or new connection) gets the original reply
/// instead of running twice: a second REMOVE would otherwise answer NFS3ERR_NOENT for a removal that worked.
/// </summary>
[TestFixture]
public sealed class DuplicateRequestTests : ServerFixture
{
    private const uint Nfs = 100003, Remove = 12, Create = 8;
    private const int StatusWord = 6; // xid, REPLY, MSG_ACCEPTED, verifier flavour and length, SUCCESS, then nfsstat3

    private async Task<NfsFh3> RootHandle()
    {
        await using var rpc = await RpcClient.ConnectAsync("127.0.0.1", Server.Port);
        var mounted = await new MountV3Client(rpc).MntAsync(Encoding.UTF8.GetBytes("/export")).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        return new NfsFh3 { Data = mounted.Mountinfo.Fhandle.ToArray() };
    }

    private byte[] Send(byte[] call)
    {
        using var rpc = new RawRpc(Server.Port);
        rpc.SendRecord(call);
        return rpc.ReceiveRecord() ?? throw new IOException("no reply");
    }

    [Test]
    public async Task A_retransmitted_remove_gets_the_original_reply_on_a_new_connection()
    {
        string name = UniqueName("drc")[1..];
        using (var nfs = LibNfsMount.Connect(Server.Port))
            nfs.WriteFile("/" + name, "x"u8);
        var arguments = XdrCodec.Encode(new Remove3Args { Object = new Diropargs3 { Dir = await RootHandle(), Name = Encoding.UTF8.GetBytes(name) } });
        var call = RawRpc.Call(0xD0C1, Nfs, 3, Remove, credFlavor: 1, credBody: RawRpc.AuthSys(0, 0), arguments: arguments);

        var first = Send(call);
        var retransmitted = Send(call);
        var fresh = Send(RawRpc.Call(0xD0C2, Nfs, 3, Remove, credFlavor: 1, credBody: RawRpc.AuthSys(0, 0), arguments: arguments));

        Assert.That(RawRpc.Word(first, StatusWord), Is.EqualTo((uint)Nfsstat3.Nfs3Ok));
        Assert.That(retransmitted, Is.EqualTo(first), "the retransmission gets the very same reply");
        Assert.That(RawRpc.Word(fresh, StatusWord), Is.EqualTo((uint)Nfsstat3.Nfs3errNoent), "a new xid really runs");
    }

    [Test]
    public async Task A_retransmitted_guarded_create_does_not_fail_with_exist()
    {
        var arguments = XdrCodec.Encode(new Create3Args
        {
            Where = new Diropargs3 { Dir = await RootHandle(), Name = Encoding.UTF8.GetBytes(UniqueName("guarded")[1..]) },
            How = new Createhow3 { Mode = Createmode3.Guarded, ObjAttributes = new Sattr3() },
        });
        var call = RawRpc.Call(0xD0C3, Nfs, 3, Create, credFlavor: 1, credBody: RawRpc.AuthSys(0, 0), arguments: arguments);

        var first = Send(call);
        var retransmitted = Send(call);

        Assert.That(RawRpc.Word(first, StatusWord), Is.EqualTo((uint)Nfsstat3.Nfs3Ok));
        Assert.That(RawRpc.Word(retransmitted, StatusWord), Is.EqualTo((uint)Nfsstat3.Nfs3Ok));
    }
}
