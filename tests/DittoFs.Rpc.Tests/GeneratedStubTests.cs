using DittoFs.Protocol;

namespace DittoFs.Rpc.Tests;

/// <summary>The generated dispatcher and client stub of MOUNT v3 talking through RpcServer and RpcClient.</summary>
public class GeneratedStubTests
{
    [Test]
    public async Task The_mount_client_stub_mounts_through_the_generated_dispatcher()
    {
        await using var server = await TestServer.StartAsync(extraPrograms: new MountV3Dispatcher<RpcCallContext>(new FakeMountService()));
        await using var transport = await server.ConnectClientAsync(new RpcClientOptions { Credential = RpcCredential.AuthSys(0, 0) });
        var mount = new MountV3Client(transport);

        await mount.NullAsync().Within();
        var mounted = await mount.MntAsync(FakeMountService.ExportPath).Within();
        var missing = await mount.MntAsync("/nope"u8.ToArray()).Within();
        var exports = await mount.ExportAsync().Within();

        Assert.That(mounted.FhsStatus, Is.EqualTo(Mountstat3.Mnt3Ok));
        Assert.That(mounted.Mountinfo.Fhandle.ToArray(), Is.EqualTo(FakeMountService.Handle));
        Assert.That(mounted.Mountinfo.AuthFlavors.ToArray(), Is.EqualTo(new[] { (int)AuthFlavor.AuthSys }));
        Assert.That(missing.FhsStatus, Is.EqualTo(Mountstat3.Mnt3errNoent));
        Assert.That(exports.ToArray().Select(export => export.ExDir.ToArray()), Is.EqualTo(new[] { FakeMountService.ExportPath }));
    }

    [Test]
    public async Task A_generated_stub_calling_a_program_not_served_gets_prog_unavail()
    {
        // Only TestProgram is served; MOUNT is not, so the stub's call is PROG_UNAVAIL.
        await using var server = await TestServer.StartAsync();
        await using var transport = await server.ConnectClientAsync();

        var error = await Assert.ThrowsAsync<RpcException>(async () => await new MountV3Client(transport).NullAsync().Within());

        Assert.That(error!.AcceptStatus, Is.EqualTo(AcceptStat.ProgUnavail));
    }
}
