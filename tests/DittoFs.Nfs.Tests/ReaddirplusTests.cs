using System.Text;
using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Nfs.Tests;

/// <summary>READDIRPLUS (RFC 1813 §3.3.17).</summary>
public class ReaddirplusTests
{
    private static async Task<Readdirplus3Res> Readdirplus(TestServer server, NfsFh3 directory, ulong cookie, InlineOpaque<InlineBytes8> verifier, uint dirCount, uint maxCount) =>
        await server.Nfs.ReaddirplusAsync(new Readdirplus3Args { Dir = directory, Cookie = cookie, Cookieverf = verifier, Dircount = dirCount, Maxcount = maxCount }, Callers.Root());

    private static async Task<TestServer> ServerWithFiles(int count)
    {
        var server = await TestServer.StartAsync();
        for (int i = 0; i < count; i++)
        {
            await server.CreateFileAsync(server.Root, $"entry-{i:D3}");
        }
        return server;
    }

    [Test]
    public async Task Paging_sees_every_name_once_within_both_limits()
    {
        var server = await ServerWithFiles(300);
        const uint dirCount = 400;
        const uint maxCount = 2000;
        var seen = new List<string>();
        ulong cookie = 0;
        InlineOpaque<InlineBytes8> verifier = default;
        while (true)
        {
            var page = await Readdirplus(server, server.Root, cookie, verifier, dirCount, maxCount);
            Assert.That(page.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
            var entries = page.Resok.Reply.Entries.ToArray();
            Assert.That(Readdirplus3Resok.SizeOf(page.Resok), Is.LessThanOrEqualTo((int)maxCount));
            Assert.That(entries.Sum(e => Entry3.SizeOf(new Entry3 { Fileid = e.Fileid, Name = e.Name, Cookie = e.Cookie })), Is.LessThanOrEqualTo((int)dirCount));
            seen.AddRange(entries.Select(e => Encoding.UTF8.GetString(e.Name.Span)));
            cookie = entries[^1].Cookie;
            verifier = page.Resok.Cookieverf;
            if (page.Resok.Reply.Eof)
            {
                break;
            }
        }

        Assert.That(seen, Is.EquivalentTo(new[] { ".", ".." }.Concat(Enumerable.Range(0, 300).Select(i => $"entry-{i:D3}"))));
    }

    [Test]
    public async Task Maxcount_bounds_the_reply_and_fills_it()
    {
        var server = await ServerWithFiles(50);
        for (uint maxCount = 400; maxCount < 3000; maxCount += 113)
        {
            var page = await Readdirplus(server, server.Root, 0, default, 65536, maxCount);
            int size = Readdirplus3Resok.SizeOf(page.Resok);
            var entries = page.Resok.Reply.Entries.ToArray();
            var next = (await Readdirplus(server, server.Root, entries[^1].Cookie, page.Resok.Cookieverf, 65536, 65536)).Resok.Reply.Entries.ToArray()[0];

            Assert.That(size, Is.LessThanOrEqualTo((int)maxCount), $"maxcount {maxCount}");
            Assert.That(size + 4 + Entryplus3.SizeOf(next), Is.GreaterThan((int)maxCount), $"maxcount {maxCount}: the next entry would have fit");
        }
    }

    [Test]
    public async Task Dircount_bounds_the_names_cookies_and_file_ids()
    {
        var server = await ServerWithFiles(50);
        // "." 28 - 4 = 24, ".." 24, "entry-000" 8 + 16 + 8 = 32 each: 24 + 24 + 32 = 80 fits 100, a fourth entry does not.
        var page = await Readdirplus(server, server.Root, 0, default, 100, 65536);

        Assert.That(page.Resok.Reply.Entries.ToArray().Select(e => Encoding.UTF8.GetString(e.Name.Span)), Is.EqualTo(new[] { ".", "..", "entry-000" }));
        Assert.That(page.Resok.Reply.Eof, Is.False);
    }

    [Test]
    public async Task Entries_carry_attributes_and_handles_that_work()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.WriteAsync(file, 0, new byte[42]);

        var page = await Readdirplus(server, server.Root, 0, default, 4096, 65536);
        var entry = page.Resok.Reply.Entries.ToArray().Single(e => e.Name.Span.SequenceEqual("file"u8));

        Assert.That(entry.NameAttributes.AttributesFollow, Is.True);
        Assert.That(entry.NameAttributes.Attributes.Size.Value, Is.EqualTo(42));
        Assert.That(entry.NameAttributes.Attributes.Fileid, Is.EqualTo(entry.Fileid));
        Assert.That(entry.NameHandle.HandleFollows, Is.True);
        Assert.That(entry.NameHandle.Handle.Data.ToArray(), Is.EqualTo(file.Data.ToArray()));
        var dotDot = page.Resok.Reply.Entries.ToArray()[1];
        Assert.That(dotDot.NameHandle.Handle.Data.ToArray(), Is.EqualTo(server.Root.Data.ToArray()));
    }

    [Test]
    public async Task A_maxcount_too_small_for_one_entry_is_TOOSMALL()
    {
        var server = await TestServer.StartAsync();

        var result = await Readdirplus(server, server.Root, 0, default, 4096, 150);

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errToosmall));
    }

    [Test]
    public async Task A_dircount_too_small_for_one_entry_is_TOOSMALL()
    {
        var server = await TestServer.StartAsync();

        var result = await Readdirplus(server, server.Root, 0, default, 23, 65536);

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errToosmall));
    }
}
