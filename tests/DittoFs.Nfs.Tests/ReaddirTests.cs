using System.Text;
using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Nfs.Tests;

/// <summary>READDIR (RFC 1813 §3.3.16).</summary>
public class ReaddirTests
{
    private static async Task<Readdir3Res> Readdir(TestServer server, NfsFh3 directory, ulong cookie, InlineOpaque<InlineBytes8> verifier, uint count) =>
        await server.Nfs.ReaddirAsync(new Readdir3Args { Dir = directory, Cookie = cookie, Cookieverf = verifier, Count = count }, Callers.Root());

    private static async Task<TestServer> ServerWithFiles(int count)
    {
        var server = await TestServer.StartAsync();
        for (int i = 0; i < count; i++)
        {
            await server.CreateFileAsync(server.Root, $"file-{i:D4}");
        }
        return server;
    }

    [Test]
    public async Task Paging_through_1000_entries_with_a_small_count_sees_every_name_once()
    {
        var server = await ServerWithFiles(1000);
        const uint count = 512;
        var seen = new List<string>();
        ulong cookie = 0;
        InlineOpaque<InlineBytes8> verifier = new byte[8];
        int pages = 0;
        while (true)
        {
            var page = await Readdir(server, server.Root, cookie, verifier, count);
            Assert.That(page.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), $"page {pages}");
            Assert.That(Readdir3Resok.SizeOf(page.Resok), Is.LessThanOrEqualTo((int)count));
            var entries = page.Resok.Reply.Entries.ToArray();
            Assert.That(entries, Is.Not.Empty);
            seen.AddRange(entries.Select(e => Encoding.UTF8.GetString(e.Name.Span)));
            cookie = entries[^1].Cookie;
            verifier = page.Resok.Cookieverf;
            pages++;
            if (page.Resok.Reply.Eof)
            {
                break;
            }
        }

        var expected = new[] { ".", ".." }.Concat(Enumerable.Range(0, 1000).Select(i => $"file-{i:D4}"));
        Assert.That(seen, Is.EquivalentTo(expected));
        Assert.That(seen, Is.Unique);
        Assert.That(pages, Is.GreaterThan(50));
    }

    [Test]
    public async Task Each_reply_is_as_full_as_count_allows_and_never_larger()
    {
        var server = await ServerWithFiles(100);
        for (uint count = 132; count < 1200; count += 37)
        {
            var page = await Readdir(server, server.Root, 0, default, count);
            Assert.That(page.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), $"count {count}");
            int size = Readdir3Resok.SizeOf(page.Resok);
            Assert.That(size, Is.LessThanOrEqualTo((int)count), $"count {count}");
            Assert.That(XdrCodec.Encode(page).Length, Is.EqualTo(4 + size), "status + READDIR3resok");
            Assert.That(page.Resok.Reply.Eof, Is.False);

            var entries = page.Resok.Reply.Entries.ToArray();
            var rest = await Readdir(server, server.Root, entries[^1].Cookie, page.Resok.Cookieverf, 4096);
            var next = rest.Resok.Reply.Entries.ToArray()[0];
            Assert.That(size + 4 + Entry3.SizeOf(next), Is.GreaterThan((int)count), $"count {count}: the next entry would have fit");
        }
    }

    [Test]
    public async Task A_count_too_small_for_one_entry_is_TOOSMALL()
    {
        var server = await TestServer.StartAsync();
        // Without entries: dir attributes 88 + cookieverf 8 + end of list 4 + eof 4 = 104; "." takes 4 + 8 + 8 (name) + 8 = 28.
        var tooSmall = await Readdir(server, server.Root, 0, default, 131);
        var justEnough = await Readdir(server, server.Root, 0, default, 132);

        Assert.That(tooSmall.Status, Is.EqualTo(Nfsstat3.Nfs3errToosmall));
        Assert.That(tooSmall.Resfail.DirAttributes.AttributesFollow, Is.True);
        Assert.That(justEnough.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(justEnough.Resok.Reply.Entries.Count, Is.EqualTo(1));
    }

    [Test]
    public async Task Dot_and_dotdot_come_first_with_the_directorys_and_parents_file_ids()
    {
        var server = await TestServer.StartAsync();
        var sub = await server.MkdirAsync(server.Root, "sub");
        await server.CreateFileAsync(sub, "file");

        var page = await Readdir(server, sub, 0, default, 4096);
        var entries = page.Resok.Reply.Entries.ToArray();

        Assert.That(entries.Select(e => Encoding.UTF8.GetString(e.Name.Span)), Is.EqualTo(new[] { ".", "..", "file" }));
        Assert.That(entries[0].Fileid, Is.EqualTo((await server.GetattrAsync(sub)).Fileid));
        Assert.That(entries[1].Fileid, Is.EqualTo((await server.GetattrAsync(server.Root)).Fileid));
        Assert.That(entries[0].Cookie.Value, Is.EqualTo(1));
        Assert.That(entries[1].Cookie.Value, Is.EqualTo(2));
        Assert.That(entries.Select(e => e.Fileid.Value), Is.All.Not.Zero);
        Assert.That(page.Resok.Reply.Eof, Is.True);
    }

    [Test]
    public async Task Resuming_after_dot_starts_with_dotdot()
    {
        var server = await TestServer.StartAsync();
        await server.CreateFileAsync(server.Root, "file");
        var first = await Readdir(server, server.Root, 0, default, 4096);

        var resumed = await Readdir(server, server.Root, 1, first.Resok.Cookieverf, 4096);

        Assert.That(resumed.Resok.Reply.Entries.ToArray().Select(e => Encoding.UTF8.GetString(e.Name.Span)), Is.EqualTo(new[] { "..", "file" }));
    }

    [Test]
    public async Task A_cookie_with_a_verifier_this_server_did_not_hand_out_is_BAD_COOKIE()
    {
        var server = await ServerWithFiles(10);
        var first = await Readdir(server, server.Root, 0, default, 200);
        var cookie = first.Resok.Reply.Entries.ToArray()[^1].Cookie;

        var result = await Readdir(server, server.Root, cookie, new byte[] { 9, 9, 9, 9, 9, 9, 9, 9 }, 4096);

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errBadCookie));
    }

    [Test]
    public async Task The_cookie_verifier_of_a_reply_is_not_zero()
    {
        var server = await TestServer.StartAsync();

        var page = await Readdir(server, server.Root, 0, default, 4096);

        Assert.That(page.Resok.Cookieverf.ToArray(), Has.Length.EqualTo(8));
        Assert.That(page.Resok.Cookieverf.ToArray(), Is.Not.All.Zero);
    }

    [Test]
    public async Task Entries_removed_between_pages_are_not_repeated_and_survivors_not_skipped()
    {
        var server = await ServerWithFiles(20);
        var first = await Readdir(server, server.Root, 0, default, 300);
        var firstNames = first.Resok.Reply.Entries.ToArray().Select(e => Encoding.UTF8.GetString(e.Name.Span)).ToList();
        var lastName = firstNames[^1];
        await server.Nfs.RemoveAsync(new Remove3Args { Object = TestServer.Where(server.Root, lastName) }, Callers.Root());

        var rest = await Readdir(server, server.Root, first.Resok.Reply.Entries.ToArray()[^1].Cookie, first.Resok.Cookieverf, 8192);
        var restNames = rest.Resok.Reply.Entries.ToArray().Select(e => Encoding.UTF8.GetString(e.Name.Span)).ToList();

        Assert.That(rest.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(firstNames.Concat(restNames), Is.Unique);
        Assert.That(firstNames.Count + restNames.Count, Is.EqualTo(22));
    }

    [Test]
    public async Task READDIR_of_a_file_is_NOTDIR()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");

        var result = await Readdir(server, file, 0, default, 4096);

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errNotdir));
    }

    [Test]
    public async Task READDIR_without_read_permission_is_ACCES()
    {
        var server = await TestServer.StartAsync();
        var locked = await server.MkdirAsync(server.Root, "locked", mode: 0x1C0);

        var result = await server.Nfs.ReaddirAsync(new Readdir3Args { Dir = locked, Count = 4096 }, Callers.User(1000, 100));

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errAcces));
    }
}
