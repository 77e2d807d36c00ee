using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

public abstract partial class MetadataStoreConformanceTests
{
    private async Task<FileRef> DirectoryWithFilesAsync(int count)
    {
        var directory = await MkdirAsync(ShareRoot, "big", "777");
        for (int i = 0; i < count; i++)
        {
            await CreateFileAsync(directory.Ref, $"file-{i:D4}");
        }
        return directory.Ref;
    }

    [Test]
    public async Task An_empty_directory_lists_nothing_and_ends()
    {
        var directory = await MkdirAsync(ShareRoot, "empty");

        var listed = await Store.ReadDirectoryAsync(Superuser, directory.Ref, DirectoryCookie.Start, 0, new DirectoryEntry[16]);

        Assert.That(listed.Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((listed.Value.Count, listed.Value.EndOfDirectory), Is.EqualTo((0, true)));
    }

    [Test]
    public async Task A_listing_has_no_dot_entries()
    {
        var directory = await MkdirAsync(ShareRoot, "d");
        await CreateFileAsync(directory.Ref, "f");

        var names = (await ListAllAsync(directory.Ref)).Select(NameOf);

        Assert.That(names, Is.EqualTo(new[] { "f" }));
    }

    [Test]
    public async Task Listed_entries_carry_the_attributes_of_their_objects()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        var directory = await MkdirAsync(ShareRoot, "d");

        var listed = await ListAllAsync(ShareRoot);

        Assert.That(listed.Single(e => NameOf(e) == "f").Attributes, Is.EqualTo(file));
        Assert.That(listed.Single(e => NameOf(e) == "d").Attributes, Is.EqualTo(directory));
    }

    [Test]
    public async Task Cookies_leave_room_for_the_dot_entries()
    {
        await DirectoryWithFilesAsync(5);

        var listed = await ListAllAsync(ShareRoot);

        Assert.That(listed.Select(e => e.Cookie), Has.All.GreaterThanOrEqualTo(DirectoryCookie.FirstEntry));
    }

    [Test]
    public async Task Paging_through_a_thousand_entries_sees_each_exactly_once()
    {
        var directory = await DirectoryWithFilesAsync(1000);

        var names = (await ListAllAsync(directory, pageSize: 7)).Select(NameOf).ToList();

        Assert.That(names, Has.Count.EqualTo(1000));
        Assert.That(names, Is.Unique);
        Assert.That(names, Is.EquivalentTo(Enumerable.Range(0, 1000).Select(i => $"file-{i:D4}")));
    }

    [Test]
    public async Task Removing_entries_during_a_listing_skips_no_survivor()
    {
        var directory = await DirectoryWithFilesAsync(300);
        var all = Enumerable.Range(0, 300).Select(i => $"file-{i:D4}").ToList();
        var page = new DirectoryEntry[10];
        var seen = new List<string>();
        var removed = new HashSet<string>();
        ulong cookie = DirectoryCookie.Start;
        ulong verifier = 0;
        while (true)
        {
            var read = await Store.ReadDirectoryAsync(Superuser, directory, cookie, verifier, page);
            Assert.That(read.Status, Is.EqualTo(StoreStatus.Ok), $"after cookie {cookie}");
            seen.AddRange(page.Take(read.Value.Count).Select(NameOf));
            if (read.Value.EndOfDirectory)
            {
                break;
            }
            cookie = page[read.Value.Count - 1].Cookie;
            verifier = read.Value.CookieVerifier;

            // Remove the entry the cookie belongs to, and every fifth entry not listed yet.
            var victims = all.Except(seen).Except(removed).Where((_, i) => i % 5 == 0).Append(NameOf(page[read.Value.Count - 1]));
            foreach (var name in victims.ToList())
            {
                removed.Add(name);
                Assert.That((await Store.RemoveAsync(Superuser, directory, Name(name))).Status, Is.EqualTo(StoreStatus.Ok));
            }
        }

        Assert.That(seen, Is.Unique);
        Assert.That(seen, Is.SupersetOf(all.Except(removed)));
        Assert.That(seen.Intersect(removed).Count(), Is.LessThan(removed.Count), "some removals happened before their entry was listed");
    }

    [Test]
    public async Task An_entry_added_during_a_listing_is_listed_once_later()
    {
        var directory = await DirectoryWithFilesAsync(20);
        var page = new DirectoryEntry[5];
        var first = await Store.ReadDirectoryAsync(Superuser, directory, DirectoryCookie.Start, 0, page);
        await CreateFileAsync(directory, "latecomer");

        var rest = new List<string>();
        ulong cookie = page[first.Value.Count - 1].Cookie;
        while (true)
        {
            var read = await Store.ReadDirectoryAsync(Superuser, directory, cookie, first.Value.CookieVerifier, page);
            rest.AddRange(page.Take(read.Value.Count).Select(NameOf));
            if (read.Value.EndOfDirectory)
            {
                break;
            }
            cookie = page[read.Value.Count - 1].Cookie;
        }

        Assert.That(rest.Count(n => n == "latecomer"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_page_that_does_not_reach_the_end_says_so()
    {
        var directory = await DirectoryWithFilesAsync(10);

        var listed = await Store.ReadDirectoryAsync(Superuser, directory, DirectoryCookie.Start, 0, new DirectoryEntry[4]);

        Assert.That((listed.Value.Count, listed.Value.EndOfDirectory), Is.EqualTo((4, false)));
    }

    [Test]
    public async Task A_page_that_holds_the_last_entry_exactly_ends_the_directory()
    {
        var directory = await DirectoryWithFilesAsync(4);

        var listed = await Store.ReadDirectoryAsync(Superuser, directory, DirectoryCookie.Start, 0, new DirectoryEntry[4]);

        Assert.That((listed.Value.Count, listed.Value.EndOfDirectory), Is.EqualTo((4, true)));
    }

    [Test]
    public async Task A_cookie_the_directory_never_handed_out_is_bad_cookie()
    {
        var directory = await DirectoryWithFilesAsync(3);
        var first = await Store.ReadDirectoryAsync(Superuser, directory, DirectoryCookie.Start, 0, new DirectoryEntry[8]);

        var bogus = await Store.ReadDirectoryAsync(Superuser, directory, 1UL << 40, first.Value.CookieVerifier, new DirectoryEntry[8]);

        Assert.That(bogus.Status, Is.EqualTo(StoreStatus.BadCookie));
    }

    [Test]
    public async Task A_cookie_with_another_verifier_is_bad_cookie()
    {
        var directory = await DirectoryWithFilesAsync(3);
        var page = new DirectoryEntry[1];
        var first = await Store.ReadDirectoryAsync(Superuser, directory, DirectoryCookie.Start, 0, page);

        var resumed = await Store.ReadDirectoryAsync(Superuser, directory, page[0].Cookie, first.Value.CookieVerifier ^ 1, page);

        Assert.That(resumed.Status, Is.EqualTo(StoreStatus.BadCookie));
    }

    [Test]
    public async Task Cookie_zero_starts_over_whatever_the_verifier()
    {
        var directory = await DirectoryWithFilesAsync(3);

        var listed = await Store.ReadDirectoryAsync(Superuser, directory, DirectoryCookie.Start, 0xDEADBEEF, new DirectoryEntry[8]);

        Assert.That(listed.Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That(listed.Value.Count, Is.EqualTo(3));
    }

    [TestCase(DirectoryCookie.Dot)]
    [TestCase(DirectoryCookie.DotDot)]
    public async Task Resuming_after_a_dot_entry_starts_with_the_first_entry(ulong cookie)
    {
        var directory = await DirectoryWithFilesAsync(3);
        var first = await Store.ReadDirectoryAsync(Superuser, directory, DirectoryCookie.Start, 0, new DirectoryEntry[8]);

        var listed = await Store.ReadDirectoryAsync(Superuser, directory, cookie, first.Value.CookieVerifier, new DirectoryEntry[8]);

        Assert.That(listed.Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That(listed.Value.Count, Is.EqualTo(3));
    }

    [Test]
    public async Task Listing_a_file_is_not_dir()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        var listed = await Store.ReadDirectoryAsync(Superuser, file.Ref, DirectoryCookie.Start, 0, new DirectoryEntry[8]);

        Assert.That(listed.Status, Is.EqualTo(StoreStatus.NotDir));
    }

    [Test]
    public async Task A_listing_carries_the_directory_attributes()
    {
        var directory = await DirectoryWithFilesAsync(2);

        var listed = await Store.ReadDirectoryAsync(Superuser, directory, DirectoryCookie.Start, 0, new DirectoryEntry[8]);

        Assert.That(listed.Value.Directory, Is.EqualTo(await AttributesOfAsync(directory)));
    }
}
