using System.Buffers;
using System.Buffers.Binary;
using DittoFs.Storage.RocksDb.Records;
using RocksDbSharp;

namespace DittoFs.Storage.RocksDb;

/// <summary>
/// The records one namespace change writes, collected in a RocksDB write batch so that they land together or
/// not at all (a crash never leaves an entry without its inode, or a name without its cookie record).
/// </summary>
internal sealed class MetadataBatch : IDisposable
{
    private const int StackRecordLength = 256;

    public WriteBatch Batch { get; } = new();

    public void PutInode(in InodeRecord record)
    {
        Span<byte> key = stackalloc byte[MetadataKeys.InodeLength];
        int length = InodeRecordCodec.LengthOf(record);
        byte[]? rented = null;
        Span<byte> value = length <= StackRecordLength ? stackalloc byte[StackRecordLength] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            int written = InodeRecordCodec.Write(record, value);
            Batch.Put(MetadataKeys.Inode(key, record.Id), value[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public void DeleteInode(ulong fileId)
    {
        Span<byte> key = stackalloc byte[MetadataKeys.InodeLength];
        Batch.Delete(MetadataKeys.Inode(key, fileId));
    }

    /// <summary>Adds both records of an entry. Putting a name that exists replaces its by-name record; delete its by-cookie record too.</summary>
    public void PutEntry(ulong directoryId, ReadOnlySpan<byte> name, ulong cookie, ulong childId)
    {
        Span<byte> key = stackalloc byte[MetadataKeys.MaxEntryByNameLength];
        Span<byte> byName = stackalloc byte[EntryRecords.ByNameLength];
        EntryRecords.WriteByName(byName, cookie, childId);
        Batch.Put(MetadataKeys.EntryByName(key, directoryId, name), byName);
        Span<byte> byCookie = stackalloc byte[EntryRecords.ByCookieLength(name)];
        EntryRecords.WriteByCookie(byCookie, childId, name);
        Batch.Put(MetadataKeys.EntryByCookie(key, directoryId, cookie), byCookie);
    }

    public void DeleteEntry(ulong directoryId, ReadOnlySpan<byte> name, ulong cookie)
    {
        Span<byte> key = stackalloc byte[MetadataKeys.MaxEntryByNameLength];
        Batch.Delete(MetadataKeys.EntryByName(key, directoryId, name));
        Batch.Delete(MetadataKeys.EntryByCookie(key, directoryId, cookie));
    }

    /// <summary>Deletes only the by-name record of an entry (a repair of an entry whose two records disagree).</summary>
    public void DeleteEntryByName(ulong directoryId, ReadOnlySpan<byte> name)
    {
        Span<byte> key = stackalloc byte[MetadataKeys.MaxEntryByNameLength];
        Batch.Delete(MetadataKeys.EntryByName(key, directoryId, name));
    }

    /// <summary>Deletes only the by-cookie record of an entry (a repair of an entry whose two records disagree).</summary>
    public void DeleteEntryByCookie(ulong directoryId, ulong cookie)
    {
        Span<byte> key = stackalloc byte[MetadataKeys.EntryByCookieLength];
        Batch.Delete(MetadataKeys.EntryByCookie(key, directoryId, cookie));
    }

    public void PutFileIdHighWater(ulong highWater)
    {
        Span<byte> value = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64LittleEndian(value, highWater);
        Batch.Put(MetadataKeys.FileIdHighWater, value);
    }

    public void PutShareRoot(string shareName, ulong rootId)
    {
        Span<byte> value = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64LittleEndian(value, rootId);
        Batch.Put(MetadataKeys.ShareRoot(shareName), value);
    }

    /// <summary>Records that <paramref name="content"/> lost its last file and waits for deletion (see RocksDbMetadataStore.Released).</summary>
    public void PutReleasedContent(ContentId content)
    {
        Span<byte> key = stackalloc byte[MetadataKeys.ReleasedContentLength];
        Batch.Put(MetadataKeys.ReleasedContent(key, content), ReadOnlySpan<byte>.Empty);
    }

    public void DeleteReleasedContent(ContentId content)
    {
        Span<byte> key = stackalloc byte[MetadataKeys.ReleasedContentLength];
        Batch.Delete(MetadataKeys.ReleasedContent(key, content));
    }

    public void Dispose() => Batch.Dispose();
}
