using DittoFs.Server.Configuration;
using DittoFs.Storage;
using DittoFs.Storage.FileSystem;
using DittoFs.Storage.RocksDb;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Server.Tests;

/// <summary>
/// A server started on stores whose metadata lists released content (what a server killed with deletions queued
/// leaves) deletes that content in the background and drops the records; content of live files stays.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ReleasedContentStartupTests
{
    private static readonly AuthContext Root = AuthContext.Root();
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private string _data = null!;

    [SetUp]
    public void CreateDataDirectory() => _data = Directory.CreateTempSubdirectory("dittofs-released-").FullName;

    [TearDown]
    public void DeleteDataDirectory() => Directory.Delete(_data, recursive: true);

    private DittoConfig Config()
    {
        var config = DefaultConfig.Create(_data);
        config.Server.Port = 0;
        config.Server.Portmap = "false";
        config.Metrics.Enabled = false;
        return config;
    }

    private FileSystemContentStore OpenContent() => new(Path.Combine(_data, "content"));

    private async Task<HashSet<ContentId>> StoredContentAsync()
    {
        using var content = OpenContent();
        var stored = new HashSet<ContentId>();
        await foreach (var piece in content.ListAsync())
            stored.Add(piece.Id);
        return stored;
    }

    [Test]
    public async Task Content_released_before_the_start_is_deleted_and_its_records_dropped()
    {
        var released = new List<ContentId>();
        ContentId live;
        using (var metadata = new RocksDbMetadataStore(Path.Combine(_data, "metadata")))
        using (var content = OpenContent())
        {
            var root = (await metadata.GetOrCreateRootAsync(DefaultConfig.ShareName, 0, 0, Convert.ToUInt32("755", 8))).Value;
            for (int i = 0; i < 3; i++)
            {
                byte[] name = System.Text.Encoding.UTF8.GetBytes($"removed{i}");
                var file = (await metadata.CreateAsync(Root, root, name, CreateMode.Guarded, default, 0)).Value.File;
                Assert.That(await content.WriteAsync(file.ContentId, 0, new byte[100]), Is.EqualTo(StoreStatus.Ok));
                released.Add((await metadata.RemoveAsync(Root, root, name)).Value.ReleasedContent);
            }
            live = (await metadata.CreateAsync(Root, root, "live"u8.ToArray(), CreateMode.Guarded, default, 0)).Value.File.ContentId;
            Assert.That(await content.WriteAsync(live, 0, new byte[100]), Is.EqualTo(StoreStatus.Ok));
        }
        Assert.That(await StoredContentAsync(), Is.SupersetOf(released), "the removals left their content, as a kill before the deletions would");

        await using (var server = await DittoServer.StartAsync(Config(), NullLoggerFactory.Instance))
        {
            // A record is dropped only once its content is deleted.
            var metadata = server.Shares.All.Single().FileSystem.Metadata;
            var deadline = DateTime.UtcNow + Patience;
            while ((await metadata.ListReleasedContentAsync()).Count > 0 && DateTime.UtcNow < deadline)
                await Task.Delay(20);
            Assert.That(await metadata.ListReleasedContentAsync(), Is.Empty, "every record dropped");
        }

        Assert.That(await StoredContentAsync(), Is.EqualTo(new[] { live }), "the released content is gone, the live file's stays");
    }
}
