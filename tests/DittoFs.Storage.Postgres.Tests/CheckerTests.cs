using System.Text;
using Npgsql;
using NUnit.Framework;

namespace DittoFs.Storage.Postgres.Tests;

/// <summary>
/// <see cref="PostgresChecker"/> (dittofs fsck) on tables the store built: clean after every kind of change, and each
/// hand-made inconsistency found, named as fsck names it.
/// </summary>
[TestFixture]
public sealed class CheckerTests
{
    private static readonly AuthContext Root = AuthContext.Root();
    private string _database = null!;
    private string _connectionString = null!;
    private PostgresMetadataStore _store = null!;
    private FileRef _share;

    [OneTimeSetUp]
    public void CreateDatabase() => _database = ClusterSetup.Cluster.CreateDatabase();

    [SetUp]
    public async Task OpenStoreAsync()
    {
        _connectionString = ClusterSetup.Cluster.CreateSchema(_database);
        _store = PostgresMetadataStoreConformanceTests.Open(_connectionString);
        _share = (await _store.GetOrCreateRootAsync("share", 0, 0, Convert.ToUInt32("777", 8))).Value;
    }

    [TearDown]
    public void DisposeStore() => _store.Dispose();

    private static ReadOnlyMemory<byte> Name(string name) => Encoding.UTF8.GetBytes(name);

    /// <summary>A tree built with every kind of change: directories in directories, files, links, symlinks, renames, removals.</summary>
    private async Task<(InodeAttributes Directory, InodeAttributes File)> BuildTreeAsync()
    {
        var directory = (await _store.MkdirAsync(Root, _share, Name("d"), default)).Value.File;
        var inner = (await _store.MkdirAsync(Root, directory.Ref, Name("inner"), default)).Value.File;
        var file = (await _store.CreateAsync(Root, directory.Ref, Name("f"), CreateMode.Guarded, default, 0)).Value.File;
        Assert.That((await _store.LinkAsync(Root, file.Ref, inner.Ref, Name("f-link"))).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await _store.SymlinkAsync(Root, _share, Name("s"), Name("d/f"), default)).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await _store.MkdirAsync(Root, _share, Name("moved"), default)).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await _store.RenameAsync(Root, _share, Name("moved"), inner.Ref, Name("moved-here"))).Status, Is.EqualTo(StoreStatus.Ok));
        for (int i = 0; i < 5; i++)
        {
            Assert.That((await _store.CreateAsync(Root, _share, Name($"gone{i}"), CreateMode.Guarded, default, 0)).Status, Is.EqualTo(StoreStatus.Ok));
            Assert.That((await _store.RemoveAsync(Root, _share, Name($"gone{i}"))).Status, Is.EqualTo(StoreStatus.Ok));
        }
        Assert.That((await _store.MkdirAsync(Root, _share, Name("empty"), default)).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await _store.RmdirAsync(Root, _share, Name("empty"))).Status, Is.EqualTo(StoreStatus.Ok));
        return (directory, file);
    }

    private void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    [Test]
    public async Task Tables_the_store_built_are_clean_and_the_check_lists_content_and_the_release_list()
    {
        var (_, file) = await BuildTreeAsync();

        var result = PostgresChecker.Check(_connectionString, null)!;

        Assert.That(result.Findings, Is.Empty, string.Join("\n", result.Findings));
        Assert.That(result.ShareRoots, Is.EqualTo(new Dictionary<string, ulong> { ["share"] = _share.FileId }));
        Assert.That(result.Content.Keys, Is.EquivalentTo(new[] { file.ContentId }));
        Assert.That(result.ReleasedContent, Has.Count.EqualTo(5));
        Assert.That(result.ContentIdPrefix, Is.EqualTo((ulong)(file.ContentId.Value >> 64)));
        Assert.That(result.Directories, Is.EqualTo(4));
    }

    [Test]
    public async Task Each_hand_made_inconsistency_is_found()
    {
        var (directory, file) = await BuildTreeAsync();
        Execute($"UPDATE inodes SET link_count = 7 WHERE id = {file.FileId}");
        Execute($"UPDATE inodes SET entry_count = 9, link_count = 8 WHERE id = {directory.FileId}");
        Execute($"INSERT INTO entries (dir_id, name, cookie, child_id) VALUES ({_share.FileId}, 'dangling', 999999, 987654321)");
        Execute($"INSERT INTO released_content (content_hi, content_lo) VALUES ({(long)(ulong)(file.ContentId.Value >> 64)}, {(long)(ulong)file.ContentId.Value})");

        var problems = PostgresChecker.Check(_connectionString, null)!.Findings.Select(f => (f.Problem, f.FileId)).ToList();

        Assert.That(problems, Does.Contain(("WrongLinkCount", file.FileId)));
        Assert.That(problems, Does.Contain(("WrongLinkCount", directory.FileId)));
        Assert.That(problems, Does.Contain(("WrongEntryCount", directory.FileId)));
        Assert.That(problems, Does.Contain(("DanglingEntry", 987654321UL)));
        Assert.That(problems, Does.Contain(("CookieBeyondLast", _share.FileId)));
        Assert.That(problems, Does.Contain(("ReleasedContentInUse", file.FileId)));
    }

    [Test]
    public void A_database_without_DittoFs_tables_is_nothing_to_check()
    {
        string empty = ClusterSetup.Cluster.CreateSchema(_database);

        Assert.That(PostgresChecker.Check(empty, null), Is.Null);
    }

    [Test]
    public async Task A_recheck_sees_files_and_releases_made_after_the_check()
    {
        var before = PostgresChecker.Check(_connectionString, null)!;
        var created = (await _store.CreateAsync(Root, _share, Name("later"), CreateMode.Guarded, default, 0)).Value.File;
        var released = (await _store.CreateAsync(Root, _share, Name("released"), CreateMode.Guarded, default, 0)).Value.File;
        Assert.That((await _store.RemoveAsync(Root, _share, Name("released"))).Status, Is.EqualTo(StoreStatus.Ok));
        var unknown = new ContentId(new UInt128(before.ContentIdPrefix, 0xfffff0));

        var (live, releasedNow) = PostgresChecker.Recheck(_connectionString, null, [created.ContentId, released.ContentId, unknown]);

        Assert.That(before.Content, Is.Empty);
        Assert.That(live, Is.EqualTo(new Dictionary<ContentId, ulong> { [created.ContentId] = 0 }));
        Assert.That(releasedNow, Is.EquivalentTo(new[] { released.ContentId }));
    }
}
