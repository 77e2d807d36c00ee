using System.Net;
using System.Text;
using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Storage;
using AuthFlavor = DittoFs.Storage.AuthFlavor;
using DittoFs.Storage.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using DittoFs.Vfs;

namespace DittoFs.Nfs.Tests;

/// <summary>MOUNT v3 (RFC 1813 §5.2).</summary>
public class MountServiceTests
{
    private static ReadOnlyMemory<byte> Path(string path) => Encoding.UTF8.GetBytes(path);

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    [Test]
    public async Task MNT_returns_the_root_handle_and_the_accepted_flavours()
    {
        var server = await TestServer.StartAsync();

        var result = await server.Mount.MntAsync(Path("/export"), Callers.Root());

        Assert.That(result.FhsStatus, Is.EqualTo(Mountstat3.Mnt3Ok));
        Assert.That(result.Mountinfo.Fhandle.ToArray(), Is.EqualTo(server.Share.RootHandle.ToArray()));
        Assert.That(result.Mountinfo.AuthFlavors.ToArray(), Is.EqualTo(new[] { 1, 0 }));
        Assert.That((await server.GetattrAsync(new NfsFh3 { Data = result.Mountinfo.Fhandle })).Type, Is.EqualTo(Ftype3.Nf3dir));
    }

    [Test]
    public async Task MNT_advertises_only_the_shares_flavours()
    {
        var server = await TestServer.StartAsync(new ExportOptions { AllowedAuthFlavors = [AuthFlavor.Sys] });

        var result = await server.Mount.MntAsync(Path("/export"), Callers.Root());

        Assert.That(result.Mountinfo.AuthFlavors.ToArray(), Is.EqualTo(new[] { 1 }));
    }

    [Test]
    public async Task MNT_accepts_a_trailing_slash()
    {
        var server = await TestServer.StartAsync();

        var result = await server.Mount.MntAsync(Path("/export/"), Callers.Root());

        Assert.That(result.FhsStatus, Is.EqualTo(Mountstat3.Mnt3Ok));
    }

    [Test]
    public async Task MNT_of_a_path_that_is_not_exported_is_NOENT()
    {
        var server = await TestServer.StartAsync();

        var result = await server.Mount.MntAsync(Path("/elsewhere"), Callers.Root());

        Assert.That(result.FhsStatus, Is.EqualTo(Mountstat3.Mnt3errNoent));
    }

    [Test]
    public async Task MNT_by_a_client_outside_the_allowed_networks_is_ACCES()
    {
        var server = await TestServer.StartAsync(new ExportOptions { AllowedClients = [IPNetwork.Parse("10.0.0.0/8")] });

        var refused = await server.Mount.MntAsync(Path("/export"), Callers.User(0, 0, Callers.Endpoint("192.0.2.1")));
        var admitted = await server.Mount.MntAsync(Path("/export"), Callers.User(0, 0, Callers.Endpoint("10.9.8.7")));

        Assert.That(refused.FhsStatus, Is.EqualTo(Mountstat3.Mnt3errAcces));
        Assert.That(admitted.FhsStatus, Is.EqualTo(Mountstat3.Mnt3Ok));
    }

    [Test]
    public async Task MNT_from_an_unprivileged_port_of_a_secure_export_is_ACCES()
    {
        var server = await TestServer.StartAsync(new ExportOptions { RequireSecurePort = true });

        var result = await server.Mount.MntAsync(Path("/export"), Callers.User(0, 0, Callers.Endpoint("127.0.0.1", 50000)));

        Assert.That(result.FhsStatus, Is.EqualTo(Mountstat3.Mnt3errAcces));
    }

    [Test]
    public async Task EXPORT_lists_every_share_with_its_allowed_networks()
    {
        var metadata = new MemoryMetadataStore();
        var content = new MemoryContentStore();
        var open = new Share("/open", await VirtualFileSystem.OpenAsync("/open", metadata, content));
        var limited = new Share("/limited", await VirtualFileSystem.OpenAsync("/limited", metadata, content),
            new ExportOptions { AllowedClients = [IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("fd00::/8")] });
        var mount = new MountService(new ShareTable(open, limited), new NfsServerOptions(), NullLogger<MountService>.Instance);

        var exports = (await mount.ExportAsync(Callers.Root())).ToArray();

        Assert.That(exports.Select(e => Text(e.ExDir)), Is.EqualTo(new[] { "/limited", "/open" }));
        Assert.That(exports[0].ExGroups.ToArray().Select(g => Text(g.GrName)), Is.EqualTo(new[] { "10.0.0.0/8", "fd00::/8" }));
        Assert.That(exports[1].ExGroups.Count, Is.Zero, "no groups: everyone");
    }

    [Test]
    public async Task DUMP_lists_mounts_until_UMNT_and_UMNTALL()
    {
        var server = await TestServer.StartAsync();
        var clientA = Callers.Endpoint("127.0.0.2");
        var clientB = Callers.Endpoint("127.0.0.3");
        await server.Mount.MntAsync(Path("/export"), Callers.User(0, 0, clientA));
        await server.Mount.MntAsync(Path("/export"), Callers.User(0, 0, clientB));

        var both = (await server.Mount.DumpAsync(Callers.Root())).ToArray();
        await server.Mount.UmntAsync(Path("/export"), Callers.User(0, 0, clientA));
        var one = (await server.Mount.DumpAsync(Callers.Root())).ToArray();
        await server.Mount.UmntallAsync(Callers.User(0, 0, clientB));
        var none = (await server.Mount.DumpAsync(Callers.Root())).ToArray();

        Assert.That(both.Select(m => (Text(m.MlHostname), Text(m.MlDirectory))), Is.EqualTo(new[] { ("127.0.0.2", "/export"), ("127.0.0.3", "/export") }));
        Assert.That(one.Select(m => Text(m.MlHostname)), Is.EqualTo(new[] { "127.0.0.3" }));
        Assert.That(none, Is.Empty);
    }

    [Test]
    public async Task A_restricted_DUMP_answers_only_loopback_callers()
    {
        var server = await TestServer.StartAsync(options: new NfsServerOptions { DumpRestrictedToLocalhost = true });
        await server.Mount.MntAsync(Path("/export"), Callers.User(0, 0, Callers.Endpoint("192.0.2.5")));

        var remote = await server.Mount.DumpAsync(Callers.User(0, 0, Callers.Endpoint("192.0.2.5")));
        var local = await server.Mount.DumpAsync(Callers.User(0, 0, Callers.Endpoint("::1")));
        var mappedLocal = await server.Mount.DumpAsync(Callers.User(0, 0, Callers.Endpoint("::ffff:127.0.0.1")));

        Assert.That(remote.Count, Is.Zero);
        Assert.That(local.Count, Is.EqualTo(1));
        Assert.That(mappedLocal.Count, Is.EqualTo(1));
    }

    [Test]
    public async Task NULL_answers()
    {
        var server = await TestServer.StartAsync();

        await server.Mount.NullAsync(Callers.AuthNone());

        Assert.That(server.Mount.NullAsync(Callers.AuthNone()).IsCompletedSuccessfully, Is.True);
    }
}
