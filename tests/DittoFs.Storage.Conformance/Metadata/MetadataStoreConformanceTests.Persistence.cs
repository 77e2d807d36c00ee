using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

public abstract partial class MetadataStoreConformanceTests
{
    [Test]
    public async Task After_reopening_handles_still_name_their_files()
    {
        var directory = await MkdirAsync(ShareRoot, "d", "777");
        var file = await CreateFileAsync(directory.Ref, "f", "640", Alice);
        var written = (await Store.CommitWriteAsync(Alice, file.Ref, 0, 100)).Value.After!.Value;
        var directoryBefore = await AttributesOfAsync(directory.Ref);

        await ReopenStoreAsync();

        Assert.That(await AttributesOfAsync(file.Ref), Is.EqualTo(written));
        Assert.That(await AttributesOfAsync(directory.Ref), Is.EqualTo(directoryBefore));
        Assert.That((await Store.GetOrCreateRootAsync("share", 0, 0, Octal("777"))).Value, Is.EqualTo(ShareRoot));
    }

    [Test]
    public async Task After_reopening_names_links_and_symlinks_are_found()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        await Store.LinkAsync(Superuser, file.Ref, ShareRoot, Name("hard"));
        var link = await Store.SymlinkAsync(Superuser, ShareRoot, Name("soft"), Name("f"), default);

        await ReopenStoreAsync();

        Assert.That((await LookupAsync(ShareRoot, "hard")).FileId, Is.EqualTo(file.FileId));
        Assert.That((await LookupAsync(ShareRoot, "f")).LinkCount, Is.EqualTo(2));
        Assert.That((await Store.ReadLinkAsync(Superuser, link.Value.File.Ref)).Value.Target.ToArray(), Is.EqualTo(Name("f").ToArray()));
    }

    [Test]
    public async Task After_reopening_a_listing_resumes_at_its_cookie()
    {
        var directory = await DirectoryWithFilesAsync(20);
        var page = new DirectoryEntry[8];
        var first = await Store.ReadDirectoryAsync(Superuser, directory, DirectoryCookie.Start, 0, page);
        var firstNames = page.Take(first.Value.Count).Select(NameOf).ToList();

        await ReopenStoreAsync();
        var rest = new List<string>();
        ulong cookie = page[first.Value.Count - 1].Cookie;
        ulong verifier = first.Value.CookieVerifier;
        while (true)
        {
            var read = await Store.ReadDirectoryAsync(Superuser, directory, cookie, verifier, page);
            Assert.That(read.Status, Is.EqualTo(StoreStatus.Ok));
            rest.AddRange(page.Take(read.Value.Count).Select(NameOf));
            if (read.Value.EndOfDirectory)
            {
                break;
            }
            (cookie, verifier) = (page[read.Value.Count - 1].Cookie, read.Value.CookieVerifier);
        }

        Assert.That(firstNames.Concat(rest), Is.EquivalentTo(Enumerable.Range(0, 20).Select(i => $"file-{i:D4}")));
    }

    [Test]
    public async Task After_reopening_file_ids_are_not_reused()
    {
        var before = await CreateFileAsync(ShareRoot, "before");
        await Store.RemoveAsync(Superuser, ShareRoot, Name("before"));

        await ReopenStoreAsync();
        var after = await CreateFileAsync(ShareRoot, "after");

        Assert.That(after.FileId, Is.Not.EqualTo(before.FileId));
        Assert.That(after.ContentId, Is.Not.EqualTo(before.ContentId));
    }
}
