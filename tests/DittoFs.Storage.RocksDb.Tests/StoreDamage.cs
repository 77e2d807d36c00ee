using DittoFs.Storage.RocksDb.Records;
using NUnit.Framework;

namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>
/// Damage done on purpose to a closed store's database through its internal record API: what a bug or a bad disk
/// could leave, for the offline check to find. Each method is one write batch.
/// </summary>
internal sealed class StoreDamage(string path) : IDisposable
{
    private readonly MetadataDatabase _database = MetadataDatabase.Open(path);

    public InodeRecord Inode(ulong fileId) => _database.GetInode(fileId);

    public EntryRecords.NamedEntry Entry(ulong directoryId, string name) => _database.GetEntry(directoryId, Name(name));

    public void Apply(Action<MetadataBatch> damage)
    {
        using var batch = new MetadataBatch();
        damage(batch);
        Assert.That(_database.Apply(batch), Is.EqualTo(StoreStatus.Ok));
    }

    public void ChangeInode(ulong fileId, Func<InodeRecord, InodeRecord> change) => Apply(batch => batch.PutInode(change(Inode(fileId))));

    public void DeleteInode(ulong fileId) => Apply(batch => batch.DeleteInode(fileId));

    public void DeleteByCookie(ulong directoryId, string name) => Apply(batch => batch.DeleteEntryByCookie(directoryId, Entry(directoryId, name).Cookie));

    public void DeleteByName(ulong directoryId, string name) => Apply(batch => batch.DeleteEntryByName(directoryId, Name(name)));

    public void PutEntry(ulong directoryId, string name, ulong cookie, ulong childId) => Apply(batch => batch.PutEntry(directoryId, Name(name), cookie, childId));

    /// <summary>Writes only a by-cookie record, whatever the by-name records say.</summary>
    public void PutCookieRecord(ulong directoryId, ulong cookie, ulong childId, string name)
    {
        var key = new byte[MetadataKeys.EntryByCookieLength];
        MetadataKeys.EntryByCookie(key, directoryId, cookie);
        var value = new byte[EntryRecords.ByCookieLength(Name(name))];
        EntryRecords.WriteByCookie(value, childId, Name(name));
        Apply(batch => batch.Batch.Put(key, value));
    }

    public void PutRawInode(ulong fileId, byte[] value)
    {
        var key = new byte[MetadataKeys.InodeLength];
        MetadataKeys.Inode(key, fileId);
        Apply(batch => batch.Batch.Put(key, value));
    }

    public void Dispose() => _database.Dispose();

    public static byte[] Name(string name) => System.Text.Encoding.UTF8.GetBytes(name);
}
