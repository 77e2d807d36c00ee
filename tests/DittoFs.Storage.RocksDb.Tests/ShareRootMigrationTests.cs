using System.Buffers.Binary;
using System.Text;
using DittoFs.Storage.RocksDb.Records;
using NUnit.Framework;
using RocksDbSharp;

namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>
/// Databases of format 1 (inode records without their share root) open, are migrated once, and then scope
/// references by share like new ones; a database of a format this build does not know is refused clearly.
/// </summary>
[TestFixture]
public sealed class ShareRootMigrationTests
{
    private static readonly AuthContext Root = AuthContext.Root();
    private static readonly byte[] IdentityKey = [0x01, 0x01];
    private const byte InodePrefix = 0x02;
    /// <summary>Where version 2 put the root id: after the version byte and the 81 bytes of common attributes.</summary>
    private const int RootOffset = 82;

    private readonly TemporaryDirectories _directories = new("rocksdb");

    [OneTimeTearDown]
    public void DeleteDirectories() => _directories.Dispose();

    [Test]
    public async Task A_format_1_database_is_migrated_and_scopes_its_shares()
    {
        string path = _directories.Create();
        InodeAttributes fileA, nestedA, fileB;
        FileRef rootA, rootB;
        using (var store = new RocksDbMetadataStore(path))
        {
            rootA = (await store.GetOrCreateRootAsync("/a", 0, 0, 0x1FF)).Value;
            rootB = (await store.GetOrCreateRootAsync("/b", 0, 0, 0x1FF)).Value;
            var directory = (await store.MkdirAsync(Root, rootA, Name("d"), default)).Value.File;
            nestedA = (await store.MkdirAsync(Root, directory.Ref, Name("e"), default)).Value.File;
            fileA = (await store.CreateAsync(Root, nestedA.Ref, Name("f"), CreateMode.Guarded, default, 0)).Value.File;
            fileB = (await store.CreateAsync(Root, rootB, Name("g"), CreateMode.Guarded, default, 0)).Value.File;
        }
        int downgraded = DowngradeToFormat1(path);
        Assert.That(downgraded, Is.EqualTo(6), "inode records rewritten as version 1");

        using (var store = new RocksDbMetadataStore(path))
        {
            Assert.That((await store.GetAttributesAsync(fileA.Ref.Within(rootA))).Status, Is.EqualTo(StoreStatus.Ok));
            Assert.That((await store.GetAttributesAsync(nestedA.Ref.Within(rootA))).Status, Is.EqualTo(StoreStatus.Ok));
            Assert.That((await store.GetAttributesAsync(fileB.Ref.Within(rootB))).Status, Is.EqualTo(StoreStatus.Ok));
            Assert.That((await store.GetAttributesAsync(fileB.Ref.Within(rootA))).Status, Is.EqualTo(StoreStatus.Stale), "B's file through A");
            Assert.That((await store.GetAttributesAsync(fileA.Ref.Within(rootB))).Status, Is.EqualTo(StoreStatus.Stale), "A's file through B");
        }
        Assert.That(FormatOf(path), Is.EqualTo(StoreIdentity.CurrentFormat), "the migration is recorded");
    }

    [Test]
    public void A_database_of_an_unknown_format_is_refused_with_its_format()
    {
        string path = _directories.Create();
        new RocksDbMetadataStore(path).Dispose();
        using (var db = RocksDbSharp.RocksDb.Open(new DbOptions(), path))
        {
            var identity = db.Get(IdentityKey);
            BinaryPrimitives.WriteUInt32LittleEndian(identity, 99);
            db.Put(IdentityKey, identity);
        }

        Assert.That(() => new RocksDbMetadataStore(path), Throws.TypeOf<InvalidDataException>().With.Message.Contains("format 99"));
    }

    /// <summary>Rewrites every inode record without its root (version 1) and the identity as format 1, as an older build left them.</summary>
    private static int DowngradeToFormat1(string path)
    {
        using var db = RocksDbSharp.RocksDb.Open(new DbOptions(), path);
        var identity = db.Get(IdentityKey);
        BinaryPrimitives.WriteUInt32LittleEndian(identity, StoreIdentity.FormatWithoutRoots);
        db.Put(IdentityKey, identity);

        var rewritten = new List<(byte[] Key, byte[] Value)>();
        using (var iterator = db.NewIterator())
        {
            for (iterator.Seek([InodePrefix]); iterator.Valid() && iterator.Key()[0] == InodePrefix; iterator.Next())
            {
                var value = iterator.Value();
                Assert.That(value[0], Is.EqualTo(2), "records are written as version 2");
                byte[] old = [1, .. value.AsSpan(1, RootOffset - 1), .. value.AsSpan(RootOffset + sizeof(ulong))];
                rewritten.Add((iterator.Key(), old));
            }
        }
        foreach (var (key, value) in rewritten)
        {
            db.Put(key, value);
        }
        return rewritten.Count;
    }

    private static uint FormatOf(string path)
    {
        using var db = RocksDbSharp.RocksDb.Open(new DbOptions(), path);
        return BinaryPrimitives.ReadUInt32LittleEndian(db.Get(IdentityKey));
    }

    private static byte[] Name(string name) => Encoding.UTF8.GetBytes(name);
}
