using System.Net;
using DittoFs.Storage;
using DittoFs.Storage.Memory;
using DittoFs.Vfs;

namespace DittoFs.Nfs.Tests;

public class ShareTableTests
{
    private static Share NewShare(string path, ExportOptions? options = null) =>
        new(path, new VirtualFileSystem(new MemoryMetadataStore(), new MemoryContentStore(), new FileRef(1, 1)), options);

    [Test]
    public void The_share_id_is_the_FNV_1a_hash_of_the_export_path()
    {
        // FNV-1a 32-bit test vectors: "" is the offset basis, "a" is 0xe40c292c.
        Assert.That(ShareId.FromExportPath(""), Is.EqualTo(0x811c9dc5u));
        Assert.That(ShareId.FromExportPath("a"), Is.EqualTo(0xe40c292cu));
        Assert.That(NewShare("/export").Id, Is.EqualTo(ShareId.FromExportPath("/export")));
    }

    [Test]
    public void Shares_are_found_by_id_and_by_export_path()
    {
        var one = NewShare("/one");
        var two = NewShare("/two");
        var table = new ShareTable(one, two);

        Assert.That(table.TryGet(two.Id, out var byId), Is.True);
        Assert.That(byId, Is.SameAs(two));
        Assert.That(table.TryGetByExportPath("/one", out var byPath), Is.True);
        Assert.That(byPath, Is.SameAs(one));
        Assert.That(table.TryGetByExportPath("/one/", out var withSlash), Is.True);
        Assert.That(withSlash, Is.SameAs(one));
        Assert.That(table.TryGetByExportPath("/three", out _), Is.False);
    }

    [Test]
    public void Two_export_paths_with_one_share_id_are_refused()
    {
        // A collision of FNV-1a found by search; handles could not tell these shares apart.
        Assert.That(ShareId.FromExportPath("/share99269"), Is.EqualTo(ShareId.FromExportPath("/share806182")));

        var exception = Assert.Throws<ArgumentException>(() => new ShareTable(NewShare("/share99269"), NewShare("/share806182")));
        Assert.That(exception!.Message, Does.Contain("same share id"));
    }

    [Test]
    public void An_export_path_configured_twice_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new ShareTable(NewShare("/export"), NewShare("/export")));
    }

    [TestCase("export")]
    [TestCase("/export/")]
    [TestCase("/a//b")]
    [TestCase("/a/../b")]
    public void Export_paths_must_be_absolute_and_normalised(string path)
    {
        Assert.Throws<ArgumentException>(() => NewShare(path));
    }

    [Test]
    public void Export_options_default_to_root_squash_with_AUTH_SYS_then_AUTH_NONE_and_nobody()
    {
        var options = new ExportOptions();

        Assert.That(options.RootSquash, Is.True);
        Assert.That(options.AllSquash, Is.False);
        Assert.That(options.ReadOnly, Is.False);
        Assert.That(options.AnonymousUid, Is.EqualTo(65534));
        Assert.That(options.AnonymousGid, Is.EqualTo(65534));
        Assert.That(options.AllowedAuthFlavors, Is.EqualTo(new[] { AuthFlavor.Sys, AuthFlavor.None }));
        Assert.That(options.AllowedClients, Is.Empty);
    }

    [Test]
    public void Allowed_client_networks_match_IPv4_clients_of_dual_stack_sockets()
    {
        var options = new ExportOptions { AllowedClients = [IPNetwork.Parse("10.1.0.0/16")] };

        Assert.That(options.Allows(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 900), AuthFlavor.Sys), Is.True);
        Assert.That(options.Allows(new IPEndPoint(IPAddress.Parse("::ffff:10.1.2.3"), 900), AuthFlavor.Sys), Is.True);
        Assert.That(options.Allows(new IPEndPoint(IPAddress.Parse("10.2.0.1"), 900), AuthFlavor.Sys), Is.False);
        Assert.That(options.Allows(null, AuthFlavor.Sys), Is.False);
    }

    [Test]
    public void Allowed_client_networks_may_be_IPv6_and_are_matched_by_family()
    {
        var options = new ExportOptions { AllowedClients = [IPNetwork.Parse("fd00::/8"), IPNetwork.Parse("::1/128")] };

        Assert.That(options.Allows(new IPEndPoint(IPAddress.Parse("fd00::2"), 900), AuthFlavor.Sys), Is.True);
        Assert.That(options.Allows(new IPEndPoint(IPAddress.Parse("fdff:1:2::3"), 900), AuthFlavor.Sys), Is.True);
        Assert.That(options.Allows(new IPEndPoint(IPAddress.IPv6Loopback, 900), AuthFlavor.Sys), Is.True);
        Assert.That(options.Allows(new IPEndPoint(IPAddress.Parse("fe80::1"), 900), AuthFlavor.Sys), Is.False);
        Assert.That(options.Allows(new IPEndPoint(IPAddress.Parse("::2"), 900), AuthFlavor.Sys), Is.False);
        // IPv4 clients (plain, or mapped by a dual-stack socket) are not in IPv6 networks, not even loopback in ::1.
        Assert.That(options.Allows(new IPEndPoint(IPAddress.Loopback, 900), AuthFlavor.Sys), Is.False);
        Assert.That(options.Allows(new IPEndPoint(IPAddress.Parse("::ffff:127.0.0.1"), 900), AuthFlavor.Sys), Is.False);
    }
}
