using System.Net;
using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;

namespace DittoFs.EndToEnd;

/// <summary>
/// The real server with UDP on (the default): MOUNT answers over UDP on the NFS port, and a handle mounted over UDP
/// works over TCP NFS (what mount.nfs does with mountproto=udp); NFS itself answers PROG_UNAVAIL over UDP. No port 111
/// needed: the calls go straight to the server's port.
/// </summary>
[TestFixture]
public sealed class MountOverUdpTests : ServerFixture
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly RpcClientOptions Options = new()
    {
        Credential = RpcCredential.AuthSys(0, 0, machineName: "e2e-udp"),
        RetransmitInterval = TimeSpan.FromMilliseconds(500),
        CallTimeout = Timeout,
    };

    private RpcUdpClient Udp() => RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, Server.Port), Options);

    [Test]
    public async Task A_handle_mounted_over_udp_serves_nfs_over_tcp()
    {
        await using var udp = Udp();
        var mount = new MountV3Client(udp);
        await mount.NullAsync().AsTask().WaitAsync(Timeout);

        var mounted = await mount.MntAsync(Encoding.UTF8.GetBytes("/export")).AsTask().WaitAsync(Timeout);
        Assert.That(mounted.FhsStatus, Is.EqualTo(Mountstat3.Mnt3Ok));

        await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", Server.Port, Options);
        var attributes = await new NfsV3Client(tcp).GetattrAsync(new Getattr3Args { Object = new NfsFh3 { Data = mounted.Mountinfo.Fhandle.ToArray() } }).AsTask().WaitAsync(Timeout);
        Assert.That(attributes.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        await mount.UmntAsync(Encoding.UTF8.GetBytes("/export")).AsTask().WaitAsync(Timeout);
    }

    [Test]
    public async Task Nfs_over_udp_is_answered_prog_unavail()
    {
        await using var udp = Udp();

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await udp.CallAsync<XdrVoid, XdrVoid>(NfsV3Program.Program, NfsV3Program.Version, 0, default, CancellationToken.None).AsTask().WaitAsync(Timeout));

        Assert.That(refused!.AcceptStatus, Is.EqualTo(AcceptStat.ProgUnavail));
    }
}
