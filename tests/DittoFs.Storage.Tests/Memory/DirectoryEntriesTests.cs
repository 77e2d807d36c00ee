using DittoFs.Storage.Memory;
using NUnit.Framework;

namespace DittoFs.Storage.Tests.Memory;

[TestFixture]
public sealed class DirectoryEntriesTests
{
    private static Inode NewInode(ulong id) => new(new InodeAttributes { Type = FileType.Regular, FileId = id });

    private static byte[] Name(int i) => [(byte)'n', (byte)(i >> 8), (byte)i];

    private static List<ulong> CookiesAfter(DirectoryEntries entries, ulong cookie)
    {
        var page = new DirectoryEntry[entries.Count + 1];
        var inodes = new Inode?[page.Length];
        int count = entries.CopyAfter(cookie, page, inodes, out _);
        return page.Take(count).Select(e => e.Cookie).ToList();
    }

    [Test]
    public void Cookies_count_up_from_the_first_entry_cookie()
    {
        var entries = new DirectoryEntries();
        for (int i = 0; i < 3; i++)
        {
            entries.Add(Name(i), NewInode((ulong)i + 1));
        }

        Assert.That(CookiesAfter(entries, DirectoryCookie.Start), Is.EqualTo(new[] { 3UL, 4UL, 5UL }));
        Assert.That(entries.LastCookie, Is.EqualTo(5));
    }

    [Test]
    public void A_cookie_is_never_handed_out_twice()
    {
        var entries = new DirectoryEntries();
        entries.Add(Name(1), NewInode(1));
        entries.Remove(Name(1));

        entries.Add(Name(1), NewInode(2));

        Assert.That(CookiesAfter(entries, DirectoryCookie.Start), Is.EqualTo(new[] { 4UL }));
    }

    [Test]
    public void Listing_after_a_removed_entry_resumes_at_the_next_one()
    {
        var entries = new DirectoryEntries();
        for (int i = 0; i < 5; i++)
        {
            entries.Add(Name(i), NewInode((ulong)i + 1));
        }

        entries.Remove(Name(1)); // cookie 4

        Assert.That(CookiesAfter(entries, 4), Is.EqualTo(new[] { 5UL, 6UL, 7UL }));
    }

    [Test]
    public void Compaction_after_many_removals_keeps_order_and_lookups()
    {
        var entries = new DirectoryEntries();
        for (int i = 0; i < 500; i++)
        {
            entries.Add(Name(i), NewInode((ulong)i + 1));
        }
        for (int i = 0; i < 500; i++)
        {
            if (i % 10 != 0)
            {
                entries.Remove(Name(i));
            }
        }

        Assert.That(CookiesAfter(entries, DirectoryCookie.Start), Is.EqualTo(Enumerable.Range(0, 50).Select(i => 3UL + (ulong)i * 10)));
        Assert.That(entries.Find(Name(250))!.Id, Is.EqualTo(251));
        Assert.That(entries.Find(Name(251)), Is.Null);
    }

    [Test]
    public void The_end_is_reported_when_only_removed_slots_follow()
    {
        var entries = new DirectoryEntries();
        for (int i = 0; i < 4; i++)
        {
            entries.Add(Name(i), NewInode((ulong)i + 1));
        }
        entries.Remove(Name(2));
        entries.Remove(Name(3));

        var page = new DirectoryEntry[2];
        int count = entries.CopyAfter(DirectoryCookie.Start, page, new Inode?[2], out bool end);

        Assert.That((count, end), Is.EqualTo((2, true)));
    }
}
