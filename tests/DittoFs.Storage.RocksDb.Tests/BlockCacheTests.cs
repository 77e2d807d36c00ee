using System.Globalization;
using System.Text.RegularExpressions;
using DittoFs.Storage.RocksDb.Records;
using NUnit.Framework;

namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>How <see cref="MetadataDatabase"/> opens RocksDB for point reads: the block cache and Bloom filters.</summary>
[TestFixture]
public sealed class BlockCacheTests
{
    private readonly TemporaryDirectories _directories = new("rocksdb");

    [OneTimeTearDown]
    public void DeleteDirectories() => _directories.Dispose();

    [Test]
    public void The_block_cache_has_the_capacity_given()
    {
        using var database = MetadataDatabase.Open(_directories.Create(), blockCacheBytes: 8L << 20);

        Assert.That(Number(database, "rocksdb.block-cache-capacity"), Is.EqualTo(8L << 20));
    }

    [Test]
    public void A_store_refuses_a_block_cache_below_one_mebibyte()
    {
        Assert.That(() => new RocksDbMetadataStore(_directories.Create(), blockCacheBytes: 4096), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Tables_on_disk_have_bloom_filters()
    {
        string path = _directories.Create();
        using (var database = MetadataDatabase.Open(path))
        {
            using var batch = new MetadataBatch();
            for (ulong id = 1; id <= 1000; id++)
            {
                batch.PutInode(new InodeRecord { Attributes = new InodeAttributes { Type = FileType.Regular, FileId = id, Generation = 1, LinkCount = 1 }, RootId = 1 });
            }
            Assert.That(database.Apply(batch), Is.EqualTo(StoreStatus.Ok));
        }
        // Opening again replays the WAL into a table on disk (level 0).
        using var reopened = MetadataDatabase.Open(path);
        Assert.That(Number(reopened, "rocksdb.num-files-at-level0"), Is.GreaterThanOrEqualTo(1));
        string tables = reopened.Property("rocksdb.aggregated-table-properties") ?? "";
        // Without a filter policy both are 0.
        Assert.That(TableProperty(tables, "filter block size"), Is.GreaterThan(0), tables);
        Assert.That(TableProperty(tables, "# entries for filter"), Is.EqualTo(1000), tables);

        Assert.That(reopened.GetInode(500).Id, Is.EqualTo(500UL));
        Assert.That(reopened.GetInode(5000).Exists, Is.False);
    }

    [Test]
    public void The_block_cache_is_a_clock_cache_and_data_blocks_have_a_hash_index()
    {
        string path = _directories.Create();
        using (MetadataDatabase.Open(path))
        {
        }
        // RocksDB writes the options it opened with into OPTIONS-<number> and its info log.
        string options = File.ReadAllText(Directory.GetFiles(path, "OPTIONS-*").OrderBy(name => name, StringComparer.Ordinal).Last());
        Assert.That(options, Does.Contain("data_block_index_type=kDataBlockBinaryAndHash"));
        Assert.That(File.ReadAllText(Path.Combine(path, "LOG")), Does.Match(@"block_cache_name: \w*HyperClockCache"));
    }

    /// <summary>A number in RocksDB's "name=value; name=value; ..." table properties text.</summary>
    private static long TableProperty(string properties, string name)
    {
        var match = Regex.Match(properties, $@"(?:^|; ){Regex.Escape(name)}=(\d+);");
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new AssertionException($"no table property '{name}' in {properties}");
    }

    private static long Number(MetadataDatabase database, string property) =>
        long.Parse(database.Property(property) ?? throw new AssertionException($"no property {property}"), CultureInfo.InvariantCulture);
}
