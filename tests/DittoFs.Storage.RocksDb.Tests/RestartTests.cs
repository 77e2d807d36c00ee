using NUnit.Framework;
using RocksDbSharp;

namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>What a restart must keep, beyond the conformance suite's persistence tests.</summary>
[TestFixture]
public sealed class RestartTests
{
    private static readonly AuthContext Root = AuthContext.Root();
    private readonly TemporaryDirectories _directories = new("rocksdb");
    private string _path = null!;
    private RocksDbMetadataStore _store = null!;
    private FileRef _share;

    [SetUp]
    public async Task OpenStoreAsync()
    {
        _path = _directories.Create();
        _store = new RocksDbMetadataStore(_path);
        _share = (await _store.GetOrCreateRootAsync("share", 0, 0, Convert.ToUInt32("777", 8))).Value;
    }

    [TearDown]
    public void DisposeStore() => _store.Dispose();

    [OneTimeTearDown]
    public void DeleteDirectories() => _directories.Dispose();

    private void Restart()
    {
        _store.Dispose();
        _store = new RocksDbMetadataStore(_path);
    }

    private async Task<InodeAttributes> CreateAsync(FileRef directory, string name, CreateMode mode = CreateMode.Guarded, ulong verifier = 0)
    {
        var created = await _store.CreateAsync(Root, directory, System.Text.Encoding.UTF8.GetBytes(name), mode, default, verifier);
        Assert.That(created.Status, Is.EqualTo(StoreStatus.Ok), $"create {name}");
        return created.Value.File;
    }

    [Test]
    public async Task A_directory_keeps_its_cookie_verifier_across_a_restart()
    {
        await CreateAsync(_share, "f");
        var before = await _store.ReadDirectoryAsync(Root, _share, DirectoryCookie.Start, 0, new DirectoryEntry[4]);

        Restart();
        var after = await _store.ReadDirectoryAsync(Root, _share, DirectoryCookie.Start, 0, new DirectoryEntry[4]);

        Assert.That(after.Value.CookieVerifier, Is.EqualTo(before.Value.CookieVerifier));
    }

    [Test]
    public async Task Directories_have_different_cookie_verifiers()
    {
        var other = (await _store.MkdirAsync(Root, _share, "d"u8.ToArray(), default)).Value.File;

        var share = await _store.ReadDirectoryAsync(Root, _share, DirectoryCookie.Start, 0, new DirectoryEntry[4]);
        var directory = await _store.ReadDirectoryAsync(Root, other.Ref, DirectoryCookie.Start, 0, new DirectoryEntry[4]);

        Assert.That(directory.Value.CookieVerifier, Is.Not.EqualTo(share.Value.CookieVerifier));
    }

    [Test]
    public async Task Cookies_handed_out_before_a_restart_are_not_handed_out_again()
    {
        for (int i = 0; i < 5; i++)
        {
            await CreateAsync(_share, $"before-{i}");
        }
        var before = await TreeAudit.ListAllAsync(_store, _share);

        Restart();
        await CreateAsync(_share, "after");
        var after = await TreeAudit.ListAllAsync(_store, _share);

        Assert.That(after.Single(e => e.Name.Span.SequenceEqual("after"u8)).Cookie, Is.GreaterThan(before.Max(e => e.Cookie)));
    }

    [Test]
    public async Task File_ids_after_a_restart_are_above_every_earlier_one()
    {
        var earlier = new List<ulong>();
        for (int i = 0; i < 5; i++)
        {
            earlier.Add((await CreateAsync(_share, $"f{i}")).FileId);
        }
        await _store.RemoveAsync(Root, _share, "f4"u8.ToArray());

        Restart();
        var later = await CreateAsync(_share, "later");

        Assert.That(later.FileId, Is.GreaterThan(earlier.Max()));
    }

    [Test]
    public async Task An_exclusive_create_retried_after_a_restart_finds_its_file()
    {
        var first = await CreateAsync(_share, "f", CreateMode.Exclusive, verifier: 0xABCDEF);

        Restart();
        var retried = await CreateAsync(_share, "f", CreateMode.Exclusive, verifier: 0xABCDEF);

        Assert.That(retried.Ref, Is.EqualTo(first.Ref));
    }

    [Test]
    public async Task Content_ids_keep_the_store_prefix_across_a_restart()
    {
        var before = await CreateAsync(_share, "before");

        Restart();
        var after = await CreateAsync(_share, "after");

        Assert.That(after.ContentId.Value >> 64, Is.EqualTo(before.ContentId.Value >> 64));
        Assert.That(after.ContentId, Is.Not.EqualTo(before.ContentId));
    }

    [Test]
    public async Task A_database_made_anew_at_the_same_path_does_not_honour_old_handles()
    {
        var file = await CreateAsync(_share, "f");
        _store.Dispose();
        Directory.Delete(_path, recursive: true);

        _store = new RocksDbMetadataStore(_path);
        var share = (await _store.GetOrCreateRootAsync("share", 0, 0, Convert.ToUInt32("777", 8))).Value;
        await CreateAsync(share, "g");

        Assert.That((await _store.GetAttributesAsync(file.Ref)).Status, Is.EqualTo(StoreStatus.Stale));
    }

    [Test]
    public void A_second_store_on_an_open_database_is_refused()
    {
        Assert.That(() => new RocksDbMetadataStore(_path), Throws.TypeOf<RocksDbException>());
    }
}
