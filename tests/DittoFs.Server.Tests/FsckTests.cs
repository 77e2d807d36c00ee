using DittoFs.Server.Configuration;
using DittoFs.Server.Fsck;
using DittoFs.Storage;
using DittoFs.Storage.FileSystem;
using DittoFs.Storage.RocksDb;
using DittoFs.Storage.RocksDb.Records;

namespace DittoFs.Server.Tests;

/// <summary>
/// <c>dittofs fsck</c> over the embedded default's stores (RocksDB metadata, file-system content): content no file
/// names, content longer than its file, and the content of an object a metadata repair removes, all found and
/// repaired in one run; content of other stores left alone; released content (the release list) told apart from
/// damage; the exit codes.
/// </summary>
[TestFixture]
public sealed class FsckTests
{
    private static readonly AuthContext Root = AuthContext.Root();
    private string _data = null!;
    private DittoConfig _config = null!;
    private InodeAttributes _file;
    private ulong _prefix;

    [SetUp]
    public async Task CreateStoresAsync()
    {
        _data = Directory.CreateTempSubdirectory("dittofs-fsck-").FullName;
        _config = DefaultConfig.Create(_data);
        using var metadata = OpenMetadata();
        using var content = OpenContent();
        var root = (await metadata.GetOrCreateRootAsync(DefaultConfig.ShareName, 0, 0, Convert.ToUInt32("755", 8))).Value;
        _file = (await metadata.CreateAsync(Root, root, "file"u8.ToArray(), CreateMode.Guarded, default, 0)).Value.File;
        Assert.That(await content.WriteAsync(_file.ContentId, 0, new byte[10]), Is.EqualTo(StoreStatus.Ok));
        await metadata.CommitWriteAsync(Root, _file.Ref, 0, 10);
        _prefix = (ulong)(_file.ContentId.Value >> 64);
    }

    [TearDown]
    public void DeleteStores() => Directory.Delete(_data, recursive: true);

    private RocksDbMetadataStore OpenMetadata() => new(Path.Combine(_data, "metadata"));

    private FileSystemContentStore OpenContent() => new(Path.Combine(_data, "content"));

    private ContentId OwnContent(ulong fileId) => new(new UInt128(_prefix, fileId));

    private async Task WriteContentAsync(ContentId id, int length)
    {
        using var content = OpenContent();
        Assert.That(await content.WriteAsync(id, 0, new byte[length]), Is.EqualTo(StoreStatus.Ok));
    }

    private async Task<ulong?> ContentLengthAsync(ContentId id)
    {
        using var content = OpenContent();
        await foreach (var stored in content.ListAsync())
        {
            if (stored.Id == id)
                return stored.Length;
        }
        return null;
    }

    private Task<FsckReport> RunAsync(bool repair) => FsckRunner.RunAsync(_config, repair, TextWriter.Null);

    [Test]
    public async Task Stores_changed_only_through_their_apis_are_clean()
    {
        var report = await RunAsync(repair: false);

        Assert.That(report.ExitCode, Is.EqualTo(FsckCommand.Clean), string.Join("\n", report.MetadataFindings.Cast<object>().Concat(report.Content)));
        Assert.That(report.Metadata.Keys, Is.EqualTo(new[] { "default-meta" }));
    }

    [Test]
    public async Task Content_no_file_names_is_found_and_deleted()
    {
        var orphan = OwnContent(_file.FileId + 50);
        await WriteContentAsync(orphan, 4096);

        var found = await RunAsync(repair: false);
        Assert.That(found.Content.Select(f => (f.Problem, f.Content)), Is.EqualTo(new[] { (ContentProblem.OrphanContent, orphan) }));
        Assert.That(found.ExitCode, Is.EqualTo(FsckCommand.ProblemsFound));
        Assert.That(await ContentLengthAsync(orphan), Is.EqualTo(4096UL), "a check alone deletes nothing");

        var repaired = await RunAsync(repair: true);
        Assert.That(repaired.Content.Single().Repaired, Is.True);
        Assert.That(await ContentLengthAsync(orphan), Is.Null);
        Assert.That((await RunAsync(repair: false)).ExitCode, Is.EqualTo(FsckCommand.Clean));
    }

    [Test]
    public async Task Content_longer_than_its_file_is_cut_to_the_size()
    {
        await WriteContentAsync(_file.ContentId, 300);

        var repaired = await RunAsync(repair: true);

        Assert.That(repaired.Content.Select(f => (f.Problem, f.Repaired)), Is.EqualTo(new[] { (ContentProblem.ContentBeyondSize, true) }));
        Assert.That(await ContentLengthAsync(_file.ContentId), Is.EqualTo(10UL));
        Assert.That((await RunAsync(repair: false)).IsClean, Is.True);
    }

    [Test]
    public async Task Content_of_a_store_the_configuration_does_not_name_is_left_alone()
    {
        var foreign = new ContentId(new UInt128(_prefix ^ 1, 7));
        await WriteContentAsync(foreign, 10);

        var report = await RunAsync(repair: true);

        Assert.That(report.IsClean, Is.True);
        Assert.That(await ContentLengthAsync(foreign), Is.EqualTo(10UL));
    }

    [Test]
    public async Task The_content_of_an_object_the_metadata_repair_removes_goes_in_the_same_run()
    {
        ulong orphanId = _file.FileId + 100;
        using (var database = MetadataDatabase.Open(Path.Combine(_data, "metadata")))
        using (var batch = new MetadataBatch())
        {
            var record = database.GetInode(_file.FileId);
            batch.PutInode(record with { Attributes = record.Attributes with { FileId = orphanId, ContentId = OwnContent(orphanId) } });
            Assert.That(database.Apply(batch), Is.EqualTo(StoreStatus.Ok));
        }
        await WriteContentAsync(OwnContent(orphanId), 10);

        var repaired = await RunAsync(repair: true);

        Assert.That(repaired.MetadataFindings.Select(f => f.Problem), Does.Contain(Storage.RocksDb.Consistency.ConsistencyProblem.OrphanInode));
        Assert.That(repaired.Content.Select(f => (f.Problem, f.Content, f.Repaired)), Is.EqualTo(new[] { (ContentProblem.OrphanContent, OwnContent(orphanId), true) }));
        Assert.That((await RunAsync(repair: false)).IsClean, Is.True);
    }

    [Test]
    public async Task Content_a_crash_left_after_its_removal_is_orphan_content_queued_for_deletion_and_no_metadata_problem()
    {
        ContentId released;
        using (var metadata = OpenMetadata())
        {
            var root = (await metadata.GetOrCreateRootAsync(DefaultConfig.ShareName, 0, 0, Convert.ToUInt32("755", 8))).Value;
            var removed = (await metadata.CreateAsync(Root, root, "removed"u8.ToArray(), CreateMode.Guarded, default, 0)).Value.File;
            released = removed.ContentId;
            // As a server killed between the REMOVE and the deletion leaves it: the name gone, the content listed as released.
            Assert.That((await metadata.RemoveAsync(Root, root, "removed"u8.ToArray())).Value.ReleasedContent, Is.EqualTo(released));
        }
        await WriteContentAsync(released, 20);

        var found = await RunAsync(repair: false);

        Assert.That(found.MetadataFindings, Is.Empty, "a release-list record is not damage");
        Assert.That(found.Metadata["default-meta"].ReleasedContent, Is.EqualTo(new[] { released }));
        Assert.That(found.Content.Select(f => (f.Problem, f.Content)), Is.EqualTo(new[] { (ContentProblem.OrphanContent, released) }));
        Assert.That(found.Content.Single().Detail, Does.Contain("queued for deletion"));
        var repaired = await RunAsync(repair: true);
        Assert.That(repaired.Content.Single().Repaired, Is.True);
        Assert.That(await ContentLengthAsync(released), Is.Null);
        Assert.That((await RunAsync(repair: false)).IsClean, Is.True);
    }

    [Test]
    public async Task A_release_record_naming_a_live_files_content_is_found_and_repair_drops_the_record_not_the_content()
    {
        await WriteContentAsync(_file.ContentId, 10);
        using (var database = MetadataDatabase.Open(Path.Combine(_data, "metadata")))
        using (var batch = new MetadataBatch())
        {
            batch.PutReleasedContent(_file.ContentId);
            Assert.That(database.Apply(batch), Is.EqualTo(StoreStatus.Ok));
        }

        var found = await RunAsync(repair: false);
        Assert.That(found.MetadataFindings.Select(f => (f.Problem, f.FileId)), Is.EqualTo(new[] { (Storage.RocksDb.Consistency.ConsistencyProblem.ReleasedContentInUse, _file.FileId) }));
        Assert.That(found.ExitCode, Is.EqualTo(FsckCommand.ProblemsFound));

        var repaired = await RunAsync(repair: true);
        Assert.That(repaired.MetadataFindings.Single().Repaired, Is.True);
        Assert.That(repaired.Metadata["default-meta"].ReleasedContent, Is.Empty);
        Assert.That(await ContentLengthAsync(_file.ContentId), Is.EqualTo(10UL), "the file's bytes stay");
        using (var metadata = OpenMetadata())
        {
            Assert.That(await metadata.ListReleasedContentAsync(), Is.Empty);
        }
        Assert.That((await RunAsync(repair: false)).IsClean, Is.True);
    }

    [Test]
    public async Task Usage_errors_and_stores_in_use_exit_with_2()
    {
        var error = new StringWriter();
        Assert.That(await FsckCommand.RunAsync("/nonexistent.yaml", null, false, TextWriter.Null, error), Is.EqualTo(FsckCommand.UsageError));
        Assert.That(await FsckCommand.RunAsync("a.yaml", _data, false, TextWriter.Null, error), Is.EqualTo(FsckCommand.UsageError));
        using (OpenMetadata())
        {
            Assert.That(await FsckCommand.RunAsync(null, _data, false, TextWriter.Null, error), Is.EqualTo(FsckCommand.UsageError));
        }
        Assert.That(error.ToString(), Does.Contain("is dittofs still running"));
        Assert.That(await FsckCommand.RunAsync(null, _data, false, TextWriter.Null, error), Is.EqualTo(FsckCommand.Clean));
    }

    [Test]
    public async Task A_content_store_that_cannot_be_opened_exits_with_2_not_clean()
    {
        string spare = Path.Combine(_data, "content", "spare");
        Directory.Delete(spare, recursive: true);
        await File.WriteAllTextAsync(spare, "a file where the store keeps a directory");
        var error = new StringWriter();

        Assert.That(await FsckCommand.RunAsync(null, _data, false, TextWriter.Null, error), Is.EqualTo(FsckCommand.UsageError));
        Assert.That(error.ToString(), Does.Contain("content store").And.Contain("cannot be opened"));
    }
}
