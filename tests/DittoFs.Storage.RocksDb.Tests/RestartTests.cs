using NUnit.Framework;
using RocksDbSharp;

namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>What a restart must keep, beyond the conformance suite's persistence tests.</summary>
[TestFixture]
public sealed class RestartTests : StoreOnDiskFixture
{
    private async Task<InodeAttributes> CreateAsync(FileRef directory, string name, CreateMode mode = CreateMode.Guarded, ulong verifier = 0)
    {
        var created = await Store.CreateAsync(Root, directory, System.Text.Encoding.UTF8.GetBytes(name), mode, default, verifier);
        Assert.That(created.Status, Is.EqualTo(StoreStatus.Ok), $"create {name}");
        return created.Value.File;
    }

    [Test]
    public async Task A_directory_keeps_its_cookie_verifier_across_a_restart()
    {
        await CreateAsync(Share, "f");
        var before = await Store.ReadDirectoryAsync(Root, Share, DirectoryCookie.Start, 0, new DirectoryEntry[4]);

        Reopen();
        var after = await Store.ReadDirectoryAsync(Root, Share, DirectoryCookie.Start, 0, new DirectoryEntry[4]);

        Assert.That(after.Value.CookieVerifier, Is.EqualTo(before.Value.CookieVerifier));
    }

    [Test]
    public async Task Directories_have_different_cookie_verifiers()
    {
        var other = (await Store.MkdirAsync(Root, Share, "d"u8.ToArray(), default)).Value.File;

        var share = await Store.ReadDirectoryAsync(Root, Share, DirectoryCookie.Start, 0, new DirectoryEntry[4]);
        var directory = await Store.ReadDirectoryAsync(Root, other.Ref, DirectoryCookie.Start, 0, new DirectoryEntry[4]);

        Assert.That(directory.Value.CookieVerifier, Is.Not.EqualTo(share.Value.CookieVerifier));
    }

    [Test]
    public async Task Cookies_handed_out_before_a_restart_are_not_handed_out_again()
    {
        for (int i = 0; i < 5; i++)
        {
            await CreateAsync(Share, $"before-{i}");
        }
        var before = await TreeAudit.ListAllAsync(Store, Share);

        Reopen();
        await CreateAsync(Share, "after");
        var after = await TreeAudit.ListAllAsync(Store, Share);

        Assert.That(after.Single(e => e.Name.Span.SequenceEqual("after"u8)).Cookie, Is.GreaterThan(before.Max(e => e.Cookie)));
    }

    [Test]
    public async Task File_ids_after_a_restart_are_above_every_earlier_one()
    {
        var earlier = new List<ulong>();
        for (int i = 0; i < 5; i++)
        {
            earlier.Add((await CreateAsync(Share, $"f{i}")).FileId);
        }
        await Store.RemoveAsync(Root, Share, "f4"u8.ToArray());

        Reopen();
        var later = await CreateAsync(Share, "later");

        Assert.That(later.FileId, Is.GreaterThan(earlier.Max()));
    }

    [Test]
    public async Task An_exclusive_create_retried_after_a_restart_finds_its_file()
    {
        var first = await CreateAsync(Share, "f", CreateMode.Exclusive, verifier: 0xABCDEF);

        Reopen();
        var retried = await CreateAsync(Share, "f", CreateMode.Exclusive, verifier: 0xABCDEF);

        Assert.That(retried.Ref, Is.EqualTo(first.Ref));
    }

    [Test]
    public async Task Content_ids_keep_theStore_prefix_across_a_restart()
    {
        var before = await CreateAsync(Share, "before");

        Reopen();
        var after = await CreateAsync(Share, "after");

        Assert.That(after.ContentId.Value >> 64, Is.EqualTo(before.ContentId.Value >> 64));
        Assert.That(after.ContentId, Is.Not.EqualTo(before.ContentId));
    }

    [Test]
    public async Task A_database_made_anew_at_the_sameDatabasePath_does_not_honour_old_handles()
    {
        var file = await CreateAsync(Share, "f");
        Store.Dispose();
        Directory.Delete(DatabasePath, recursive: true);

        Store = new RocksDbMetadataStore(DatabasePath);
        var share = (await Store.GetOrCreateRootAsync("share", 0, 0, Convert.ToUInt32("777", 8))).Value;
        await CreateAsync(share, "g");

        Assert.That((await Store.GetAttributesAsync(file.Ref)).Status, Is.EqualTo(StoreStatus.Stale));
    }

    [Test]
    public void A_secondStore_on_an_open_database_is_refused()
    {
        Assert.That(() => new RocksDbMetadataStore(DatabasePath), Throws.TypeOf<RocksDbException>());
    }
}
