using System.Buffers.Binary;
using System.Text;
using DittoFs.Storage.RocksDb.Records;
using RocksDbSharp;

namespace DittoFs.Storage.RocksDb.Consistency;

/// <summary>
/// Every record of a metadata database, read in one pass in key order and held in memory (about 200 bytes per
/// object and per entry): what <see cref="MetadataChecker"/> checks and repairs. Records that do not decode are
/// kept as findings rather than thrown.
/// </summary>
internal sealed class StoreImage
{
    public StoreIdentity? Identity { get; private set; }
    public ulong? FileIdHighWater { get; private set; }
    public Dictionary<ulong, InodeRecord> Inodes { get; } = [];
    /// <summary>Entries by directory and name (the name as Latin-1, one char per byte: a lossless key).</summary>
    public Dictionary<(ulong Directory, string Name), ImageEntry> ByName { get; } = [];
    public Dictionary<(ulong Directory, ulong Cookie), (ulong Child, byte[] Name)> ByCookie { get; } = [];
    public Dictionary<string, ulong> ShareRoots { get; } = new(StringComparer.Ordinal);
    /// <summary>Content released by a removal and not yet deleted (the release list).</summary>
    public HashSet<ContentId> ReleasedContent { get; } = [];
    public List<ConsistencyFinding> Unreadable { get; } = [];

    public static StoreImage Read(MetadataDatabase database)
    {
        var image = new StoreImage();
        using var snapshot = database.CreateSnapshot();
        var readOptions = new ReadOptions().SetSnapshot(snapshot).SetFillCache(false);
        using var iterator = database.NewIterator(readOptions);
        for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
        {
            image.Add(iterator.GetKeySpan(), iterator.GetValueSpan());
        }
        return image;
    }

    public static string KeyOf(ReadOnlySpan<byte> name) => Encoding.Latin1.GetString(name);

    private void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var kind = MetadataKeys.KindOf(key);
        try
        {
            switch (kind)
            {
                case RecordKind.Identity:
                    Identity = StoreIdentity.Read(value);
                    break;
                case RecordKind.FileIdHighWater:
                    FileIdHighWater = BinaryPrimitives.ReadUInt64LittleEndian(value);
                    break;
                case RecordKind.SyncBarrier:
                    break;
                case RecordKind.Inode:
                    AddInode(MetadataKeys.IdOf(key), value);
                    break;
                case RecordKind.EntryByName:
                    AddByName(MetadataKeys.IdOf(key), MetadataKeys.NameOf(key), value);
                    break;
                case RecordKind.EntryByCookie:
                    ByCookie[(MetadataKeys.IdOf(key), MetadataKeys.CookieOf(key))] = (EntryRecords.ChildIdOf(value), EntryRecords.NameOf(value).ToArray());
                    break;
                case RecordKind.ShareRoot:
                    ShareRoots[MetadataKeys.ShareNameOf(key)] = BinaryPrimitives.ReadUInt64LittleEndian(value);
                    break;
                case RecordKind.ReleasedContent:
                    ReleasedContent.Add(MetadataKeys.ContentIdOf(key));
                    break;
                default:
                    Unreadable.Add(new(ConsistencyProblem.UnknownRecord, 0, $"a record of no known kind, key {Convert.ToHexString(key)}", Repairable: false));
                    break;
            }
        }
        catch (Exception exception) when (exception is InvalidDataException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            Unreadable.Add(new(ConsistencyProblem.UnreadableRecord, 0, $"{kind} record with key {Convert.ToHexString(key)} does not decode: {exception.Message}", Repairable: false));
        }
    }

    private void AddInode(ulong fileId, ReadOnlySpan<byte> value)
    {
        var record = InodeRecordCodec.Read(value);
        if (fileId == 0 || record.Id != fileId)
        {
            throw new InvalidDataException($"the record says file id {record.Id}, the key {fileId}");
        }
        Inodes[fileId] = record;
    }

    private void AddByName(ulong directoryId, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (value.Length != EntryRecords.ByNameLength)
        {
            throw new InvalidDataException($"{value.Length} bytes, not {EntryRecords.ByNameLength}");
        }
        var entry = EntryRecords.ReadByName(value);
        ByName[(directoryId, KeyOf(name))] = new ImageEntry(directoryId, name.ToArray(), entry.Cookie, entry.ChildId) { ByNameStored = true };
    }
}

/// <summary>One directory entry as the check sees it, and what a repair does with it.</summary>
internal sealed class ImageEntry(ulong directory, byte[] name, ulong cookie, ulong child)
{
    public ulong Directory { get; } = directory;
    public byte[] Name { get; } = name;
    public ulong Cookie { get; set; } = cookie;

    /// <summary>The cookie its records have now (<see cref="Cookie"/> differs once a repair gives it a new one).</summary>
    public ulong StoredCookie { get; } = cookie;
    public ulong Child { get; } = child;

    /// <summary>Its by-name record exists and says (<see cref="Cookie"/>, <see cref="Child"/>).</summary>
    public bool ByNameStored { get; init; }

    /// <summary>Its by-cookie record exists at (<see cref="Directory"/>, <see cref="Cookie"/>) and says (<see cref="Child"/>, <see cref="Name"/>).</summary>
    public bool ByCookieStored { get; set; }

    /// <summary>A repair takes it out of the namespace.</summary>
    public bool Dropped { get; set; }

    /// <summary>A repair gives it a new cookie (its own is another entry's).</summary>
    public bool NeedsNewCookie { get; set; }

    public bool NeedsWrite => !Dropped && (!ByNameStored || !ByCookieStored || NeedsNewCookie);

    public override string ToString() => $"directory {Directory} entry {Describe(Name)}";

    /// <summary>A name for people: as text when it is printable UTF-8, else as hex.</summary>
    public static string Describe(ReadOnlySpan<byte> name)
    {
        try
        {
            string text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(name);
            if (!text.Any(char.IsControl))
            {
                return $"'{text}'";
            }
        }
        catch (DecoderFallbackException)
        {
        }
        return $"0x{Convert.ToHexString(name)}";
    }
}
