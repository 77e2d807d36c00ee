using DittoFs.Storage.RocksDb.Consistency;
using NUnit.Framework;

namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>
/// The offline check (<c>dittofs fsck</c>) against stores damaged on purpose (<see cref="StoreDamage"/>): each kind
/// of damage is found, the repair fixes it, a second check is clean, and the repaired store passes the tree audit.
/// </summary>
[TestFixture]
public sealed class MetadataCheckerTests
{
    private static readonly AuthContext Root = AuthContext.Root();
    private readonly TemporaryDirectories _directories = new("rocksdb");
    private string _path = null!;
    private FileRef _root;
    private InodeAttributes _file;
    private InodeAttributes _linked;
    private InodeAttributes _directory;
    private InodeAttributes _nested;

    [OneTimeTearDown]
    public void DeleteDirectories() => _directories.Dispose();

    /// <summary>A small tree made through the store's API: /file, /linked and /directory/also-linked (one file, two names), /directory/nested.</summary>
    [SetUp]
    public async Task BuildTreeAsync()
    {
        _path = _directories.Create();
        using var store = new RocksDbMetadataStore(_path);
        _root = (await store.GetOrCreateRootAsync("share", 0, 0, Convert.ToUInt32("755", 8))).Value;
        _file = (await store.CreateAsync(Root, _root, StoreDamage.Name("file"), CreateMode.Guarded, default, 0)).Value.File;
        await store.CommitWriteAsync(Root, _file.Ref, 0, 100);
        _linked = (await store.CreateAsync(Root, _root, StoreDamage.Name("linked"), CreateMode.Guarded, default, 0)).Value.File;
        _directory = (await store.MkdirAsync(Root, _root, StoreDamage.Name("directory"), default)).Value.File;
        _nested = (await store.MkdirAsync(Root, _directory.Ref, StoreDamage.Name("nested"), default)).Value.File;
        Assert.That((await store.LinkAsync(Root, _linked.Ref, _directory.Ref, StoreDamage.Name("also-linked"))).Status, Is.EqualTo(StoreStatus.Ok));
        await store.CreateAsync(Root, _root, StoreDamage.Name("gone"), CreateMode.Guarded, default, 0);
        Assert.That((await store.RemoveAsync(Root, _root, StoreDamage.Name("gone"))).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await store.RenameAsync(Root, _root, StoreDamage.Name("file"), _root, StoreDamage.Name("file"))).Status, Is.EqualTo(StoreStatus.Ok));
    }

    private void Damage(Action<StoreDamage> damage)
    {
        using var store = new StoreDamage(_path);
        damage(store);
    }

    /// <summary>Checks, repairs, checks again (clean), and audits the repaired tree through the store.</summary>
    private async Task<MetadataCheckReport> ExpectRepairedAsync(params ConsistencyProblem[] expected)
    {
        var found = MetadataChecker.Check(_path, repair: false);
        Assert.That(found.Findings.Select(f => f.Problem), Is.SupersetOf(expected), string.Join("\n", found.Findings));
        Assert.That(found.Findings.Any(f => f.Repaired), Is.False, "a check alone repairs nothing");
        Assert.That(MetadataChecker.Check(_path, repair: false).Findings, Has.Count.EqualTo(found.Findings.Count), "a check alone changes nothing");

        var repaired = MetadataChecker.Check(_path, repair: true);
        Assert.That(repaired.RepairsApplied, Is.True, repaired.RepairRefused);
        Assert.That(repaired.Findings.Where(f => !f.Repaired), Is.Empty, "every finding is repaired");

        var again = MetadataChecker.Check(_path, repair: false);
        Assert.That(again.Findings, Is.Empty, "after repair:\n" + string.Join("\n", again.Findings));
        using var store = new RocksDbMetadataStore(_path);
        await TreeAudit.CheckAsync(store, _root);
        return repaired;
    }

    [Test]
    public void A_store_changed_only_through_its_api_is_clean()
    {
        var report = MetadataChecker.Check(_path, repair: false);

        Assert.That(report.Findings, Is.Empty, string.Join("\n", report.Findings));
        Assert.That((report.Inodes, report.Directories, report.Entries), Is.EqualTo((5UL, 3UL, 5UL)));
        Assert.That(report.ShareRoots, Is.EqualTo(new Dictionary<string, ulong> { ["share"] = _root.FileId }));
        Assert.That(report.Content.Keys, Is.EquivalentTo(new[] { _file.ContentId, _linked.ContentId }));
        Assert.That(report.Content[_file.ContentId], Is.EqualTo(100UL), "content is listed with its file's size");
        Assert.That(report.Owns(_file.ContentId), Is.True);
    }

    [Test]
    public async Task An_entry_naming_a_missing_inode_is_dropped()
    {
        Damage(store => store.DeleteInode(_file.FileId));

        await ExpectRepairedAsync(ConsistencyProblem.DanglingEntry, ConsistencyProblem.WrongEntryCount);

        using var reopened = new RocksDbMetadataStore(_path);
        Assert.That((await reopened.LookupAsync(Root, _root, StoreDamage.Name("file"))).Status, Is.EqualTo(StoreStatus.NoEnt));
    }

    [Test]
    public async Task Wrong_link_counts_are_corrected()
    {
        Damage(store =>
        {
            store.ChangeInode(_linked.FileId, r => r with { Attributes = r.Attributes with { LinkCount = 7 } });
            store.ChangeInode(_directory.FileId, r => r with { Attributes = r.Attributes with { LinkCount = 2 } });
        });

        var report = await ExpectRepairedAsync(ConsistencyProblem.WrongLinkCount);

        Assert.That(report.Findings.Where(f => f.Problem == ConsistencyProblem.WrongLinkCount).Select(f => f.FileId), Is.EquivalentTo(new[] { _linked.FileId, _directory.FileId }));
    }

    [Test]
    public async Task An_object_no_entry_names_is_removed_with_its_content_released()
    {
        ulong orphanId = 0;
        Damage(store =>
        {
            var template = store.Inode(_file.FileId);
            orphanId = _nested.FileId + 1000;
            store.Apply(batch => batch.PutInode(template with { Attributes = template.Attributes with { FileId = orphanId, ContentId = new ContentId(new UInt128((ulong)(_file.ContentId.Value >> 64), orphanId)) } }));
        });

        var report = await ExpectRepairedAsync(ConsistencyProblem.OrphanInode);

        Assert.That(report.Findings.Single(f => f.Problem == ConsistencyProblem.OrphanInode).FileId, Is.EqualTo(orphanId));
        Assert.That(report.Content.Keys, Has.None.Matches<ContentId>(c => (ulong)c.Value == orphanId), "its content is no file's after the repair");
    }

    [Test]
    public async Task A_subtree_cut_off_from_the_root_is_removed_whole()
    {
        Damage(store => store.Apply(batch => batch.DeleteEntry(_root.FileId, StoreDamage.Name("directory"), store.Entry(_root.FileId, "directory").Cookie)));

        var report = await ExpectRepairedAsync(ConsistencyProblem.OrphanInode, ConsistencyProblem.WrongEntryCount, ConsistencyProblem.WrongLinkCount);

        Assert.That(report.Findings.Where(f => f.Problem == ConsistencyProblem.OrphanInode).Select(f => f.FileId), Is.EquivalentTo(new[] { _directory.FileId, _nested.FileId }));
        using var store = new RocksDbMetadataStore(_path);
        Assert.That((await store.GetAttributesAsync(_linked.Ref)).Value.LinkCount, Is.EqualTo(1u), "the name in the removed directory no longer counts");
    }

    [Test]
    public async Task An_entry_missing_its_cookie_record_is_listed_again()
    {
        Damage(store => store.DeleteByCookie(_root.FileId, "linked"));

        await ExpectRepairedAsync(ConsistencyProblem.EntryMissingCookieRecord);

        using var store = new RocksDbMetadataStore(_path);
        var names = (await TreeAudit.ListAllAsync(store, _root)).Select(e => System.Text.Encoding.UTF8.GetString(e.Name.Span));
        Assert.That(names, Is.EquivalentTo(new[] { "file", "linked", "directory" }));
    }

    [Test]
    public async Task An_entry_missing_its_name_record_can_be_looked_up_again()
    {
        Damage(store => store.DeleteByName(_directory.FileId, "nested"));

        await ExpectRepairedAsync(ConsistencyProblem.EntryMissingNameRecord);

        using var store = new RocksDbMetadataStore(_path);
        Assert.That((await store.LookupAsync(Root, _directory.Ref, StoreDamage.Name("nested"))).Value.File.FileId, Is.EqualTo(_nested.FileId));
    }

    [Test]
    public async Task A_stray_cookie_record_is_deleted_so_a_listing_shows_each_name_once()
    {
        // Cookie 500 lists "file", whose by-name record says its cookie is another.
        Damage(store =>
        {
            store.PutCookieRecord(_root.FileId, 500, _file.FileId, "file");
            store.ChangeInode(_root.FileId, r => r with { LastCookie = 500 });
        });

        await ExpectRepairedAsync(ConsistencyProblem.StrayCookieRecord);

        using var store = new RocksDbMetadataStore(_path);
        var names = (await TreeAudit.ListAllAsync(store, _root)).Select(e => System.Text.Encoding.UTF8.GetString(e.Name.Span)).ToList();
        Assert.That(names.Count(n => n == "file"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_last_cookie_below_an_entry_is_raised_so_new_entries_get_fresh_cookies()
    {
        Damage(store => store.ChangeInode(_root.FileId, r => r with { LastCookie = DirectoryCookie.FirstEntry }));

        await ExpectRepairedAsync(ConsistencyProblem.CookieBeyondLast);

        using var store = new RocksDbMetadataStore(_path);
        await store.CreateAsync(Root, _root, StoreDamage.Name("after-repair"), CreateMode.Guarded, default, 0);
        var names = (await TreeAudit.ListAllAsync(store, _root)).Select(e => System.Text.Encoding.UTF8.GetString(e.Name.Span));
        Assert.That(names, Is.EquivalentTo(new[] { "file", "linked", "directory", "after-repair" }), "no entry was overwritten");
    }

    [Test]
    public async Task A_directory_with_a_second_name_keeps_only_the_one_in_its_parent()
    {
        Damage(store => store.Apply(batch =>
        {
            var root = store.Inode(_root.FileId);
            batch.PutEntry(_root.FileId, StoreDamage.Name("second-name"), root.LastCookie + 1, _nested.FileId);
            batch.PutInode(root with { LastCookie = root.LastCookie + 1, EntryCount = root.EntryCount + 1 });
        }));

        await ExpectRepairedAsync(ConsistencyProblem.DirectoryWithSeveralNames);

        using var store = new RocksDbMetadataStore(_path);
        Assert.That((await store.LookupAsync(Root, _root, StoreDamage.Name("second-name"))).Status, Is.EqualTo(StoreStatus.NoEnt));
        Assert.That((await store.LookupAsync(Root, _directory.Ref, StoreDamage.Name("nested"))).Status, Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task A_wrong_parent_is_corrected()
    {
        Damage(store => store.ChangeInode(_nested.FileId, r => r with { ParentId = _root.FileId }));

        await ExpectRepairedAsync(ConsistencyProblem.WrongParent);

        using var store = new RocksDbMetadataStore(_path);
        Assert.That((await store.LookupAsync(Root, _nested.Ref, ".."u8.ToArray())).Value.File.FileId, Is.EqualTo(_directory.FileId));
    }

    [Test]
    public async Task A_wrong_share_root_is_corrected_so_the_shares_handles_reach_the_object()
    {
        Damage(store => store.ChangeInode(_linked.FileId, r => r with { RootId = _nested.FileId }));

        await ExpectRepairedAsync(ConsistencyProblem.WrongShareRoot);

        using var store = new RocksDbMetadataStore(_path);
        Assert.That((await store.GetAttributesAsync(_linked.Ref.Within(_root))).Status, Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task A_file_id_above_the_high_water_mark_raises_the_mark()
    {
        Damage(store => store.Apply(batch => batch.PutFileIdHighWater(1)));

        await ExpectRepairedAsync(ConsistencyProblem.FileIdAboveHighWater);

        using var store = new RocksDbMetadataStore(_path);
        var created = await store.CreateAsync(Root, _root, StoreDamage.Name("new"), CreateMode.Guarded, default, 0);
        Assert.That(created.Value.File.FileId, Is.GreaterThan(_nested.FileId), "no id in use is handed out again");
    }

    [Test]
    public void A_record_this_build_cannot_read_blocks_every_repair()
    {
        Damage(store =>
        {
            store.PutRawInode(_linked.FileId, [99, 1, 2, 3]);
            store.ChangeInode(_directory.FileId, r => r with { Attributes = r.Attributes with { LinkCount = 9 } });
        });

        var report = MetadataChecker.Check(_path, repair: true);

        Assert.That(report.Findings.Select(f => f.Problem), Does.Contain(ConsistencyProblem.UnreadableRecord).And.Contain(ConsistencyProblem.WrongLinkCount));
        Assert.That(report.RepairsApplied, Is.False);
        Assert.That(report.RepairRefused, Does.Contain("cannot read"));
        Assert.That(MetadataChecker.Check(_path, repair: false).Findings.Select(f => f.Problem), Does.Contain(ConsistencyProblem.WrongLinkCount), "nothing was changed");
    }

    [Test]
    public void A_store_in_use_cannot_be_checked()
    {
        using var store = new RocksDbMetadataStore(_path);

        Assert.Throws<RocksDbSharp.RocksDbException>(() => MetadataChecker.Check(_path, repair: false));
    }

    [Test]
    public void A_directory_without_a_database_is_not_made_one()
    {
        string empty = _directories.Create();

        Assert.Throws<DirectoryNotFoundException>(() => MetadataChecker.Check(empty, repair: true));
        Assert.That(Directory.EnumerateFileSystemEntries(empty), Is.Empty);
    }
}
