using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Tests;

public sealed class NfsUrlTests
{
    [Test]
    public void A_libnfs_url_with_explicit_ports_yields_host_path_and_ports()
    {
        var url = NfsUrl.Parse("nfs://127.0.0.1/export/dir/file.txt?version=3&nfsport=2049&mountport=20048");
        Assert.That((url.Host, url.Port, url.Path, url.NfsPort, url.MountPort), Is.EqualTo(("127.0.0.1", (int?)null, "/export/dir/file.txt", (int?)2049, (int?)20048)));
    }

    [Test]
    public void Uid_and_gid_arguments_set_the_identity()
    {
        var url = NfsUrl.Parse("nfs://server/export?uid=1000&gid=100");
        Assert.That((url.Uid, url.Gid), Is.EqualTo(((uint?)1000, (uint?)100)));
    }

    [Test]
    public void The_authority_port_is_the_nfs_port()
    {
        var url = NfsUrl.Parse("nfs://server:2049/export");
        Assert.That((url.Host, url.Port, url.ExplicitNfsPort, url.MountPort), Is.EqualTo(("server", (int?)2049, (int?)2049, (int?)null)));
    }

    [Test]
    public void Nfsport_wins_over_the_authority_port()
    {
        Assert.That(NfsUrl.Parse("nfs://server:1111/export?nfsport=2222").ExplicitNfsPort, Is.EqualTo(2222));
    }

    [Test]
    public void A_url_without_ports_leaves_them_to_the_portmapper()
    {
        var url = NfsUrl.Parse("nfs://nas.example.com/export");
        Assert.That((url.ExplicitNfsPort, url.MountPort), Is.EqualTo(((int?)null, (int?)null)));
    }

    [Test]
    public void An_ipv6_host_is_written_in_brackets()
    {
        var url = NfsUrl.Parse("nfs://[::1]:2049/export");
        Assert.That((url.Host, url.Port, url.Path), Is.EqualTo(("::1", (int?)2049, "/export")));
    }

    [Test]
    public void A_user_name_is_accepted_and_ignored()
    {
        Assert.That(NfsUrl.Parse("nfs://alice@server/export").Host, Is.EqualTo("server"));
    }

    [TestCase("nfs://server", "/")]
    [TestCase("nfs://server/", "/")]
    [TestCase("nfs://server//export///dir/", "/export/dir")]
    [TestCase("nfs://server/export/./dir", "/export/dir")]
    [TestCase("nfs://server/export/a%20b", "/export/a b")]
    [TestCase("nfs://server/export/%C3%A9t%C3%A9", "/export/été")]
    [TestCase("NFS://server/export", "/export")]
    public void The_path_is_decoded_and_normalised(string text, string path)
    {
        Assert.That(NfsUrl.Parse(text).Path, Is.EqualTo(path));
    }

    [Test]
    public void Name_is_the_last_component()
    {
        Assert.That((NfsUrl.Parse("nfs://h/export/dir/f.txt").Name, NfsUrl.Parse("nfs://h/").Name), Is.EqualTo(("f.txt", "")));
    }

    [Test]
    public void Libnfs_tuning_arguments_are_ignored()
    {
        var url = NfsUrl.Parse("nfs://h/export?readahead=1048576&debug=2&auto-traverse-mounts=0&version=3");
        Assert.That(url.Path, Is.EqualTo("/export"));
    }

    [TestCase("http://server/export", "nfs://")]
    [TestCase("server/export", "nfs://")]
    [TestCase("nfs:///export", "host is missing")]
    [TestCase("nfs://:2049/export", "host is missing")]
    [TestCase("nfs://ser ver/export", "host name")]
    [TestCase("nfs://[::1/export", "closing")]
    [TestCase("nfs://[zz]/export", "IPv6")]
    [TestCase("nfs://server:0/export", "port")]
    [TestCase("nfs://server:65536/export", "port")]
    [TestCase("nfs://server:abc/export", "port")]
    [TestCase("nfs://server/export?nfsport=", "nfsport")]
    [TestCase("nfs://server/export?mountport=-1", "mountport")]
    [TestCase("nfs://server/export?uid=root", "uid")]
    [TestCase("nfs://server/export?gid=4294967296", "gid")]
    [TestCase("nfs://server/export?version=4", "version=3 or version=4.1")]
    [TestCase("nfs://server/export?version=4.0", "version=3 or version=4.1")]
    [TestCase("nfs://server/export?nfsprot=2049", "unknown argument 'nfsprot'")]
    [TestCase("nfs://server/export?uid", "NAME=VALUE")]
    [TestCase("nfs://server/export/../etc", "'..'")]
    [TestCase("nfs://server/export/%zz", "percent escape")]
    [TestCase("nfs://server/export#frag", "fragment")]
    public void A_bad_url_is_refused_with_the_reason(string text, string reason)
    {
        var exception = Assert.Throws<NfsUrlException>(() => NfsUrl.Parse(text));
        Assert.That(exception!.Message, Does.Contain(reason).And.Contain(text));
    }

    [Test]
    public void TryParse_reports_failure_without_throwing()
    {
        bool parsed = NfsUrl.TryParse("ftp://x/", out var url, out string? error);
        Assert.That((parsed, url, error), Is.EqualTo((false, (NfsUrl?)null, "it must start with nfs://")));
    }

    [Test]
    public void ToString_gives_a_canonical_url_that_parses_back_to_the_same_value()
    {
        var url = NfsUrl.Parse("nfs://[::1]:2049//export/dir/?mountport=20048&uid=5&gid=6&version=3");
        Assert.That(url.ToString(), Is.EqualTo("nfs://[::1]:2049/export/dir?mountport=20048&uid=5&gid=6"));
        Assert.That(NfsUrl.Parse(url.ToString()), Is.EqualTo(url));
    }

    [Test]
    public void Version_4_1_is_parsed_and_kept_in_the_canonical_form()
    {
        var url = NfsUrl.Parse("nfs://server/export/dir?version=4.1&nfsport=2049");
        Assert.That(url.Version, Is.EqualTo(NfsVersion.V41));
        Assert.That(url.ToString(), Is.EqualTo("nfs://server/export/dir?version=4.1&nfsport=2049"));
        Assert.That(NfsUrl.Parse("nfs://server/export").Version, Is.EqualTo(NfsVersion.V3));
    }

    [Test]
    public void Urls_on_one_server_match_and_urls_on_another_port_do_not()
    {
        var first = NfsUrl.Parse("nfs://Server/export/a?nfsport=2049");
        Assert.That(first.SameServerAs(NfsUrl.Parse("nfs://server:2049/export/b")), Is.True);
        Assert.That(first.SameServerAs(NfsUrl.Parse("nfs://server/export/b?nfsport=2050")), Is.False);
        Assert.That(first.SameServerAs(NfsUrl.Parse("nfs://server/export/b?nfsport=2049&uid=7")), Is.False);
    }
}
