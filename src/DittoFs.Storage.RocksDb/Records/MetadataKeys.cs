using System.Buffers.Binary;
using System.Text;

namespace DittoFs.Storage.RocksDb.Records;

/// <summary>
/// The key space, one prefix byte per kind of record. Numbers in keys are big-endian so that RocksDB's bytewise
/// order is numeric order: the entries of one directory by cookie are then one contiguous, ordered range, which
/// READDIR reads with an iterator seeked to the cookie.
/// <code>
/// 01 01                          store identity (generation, salts)        see StoreIdentity
/// 01 02                          file id high-water mark                    see FileIdAllocator
/// 01 03                          sync barrier (rewritten to sync the WAL)   see MetadataDatabase
/// 02 fileid                      inode record                               see InodeRecordCodec
/// 03 dirid name                  entry by name:   cookie, child id          see EntryRecords
/// 04 dirid cookie                entry by cookie: child id, name            see EntryRecords
/// 05 share name (UTF-8)          root directory id of a share
/// 06 content id (16 bytes)       released content not deleted yet (empty)  see RocksDbMetadataStore.Released
/// </code>
/// </summary>
internal static class MetadataKeys
{
    private const byte StorePrefix = 0x01;
    private const byte InodePrefix = 0x02;
    private const byte EntryByNamePrefix = 0x03;
    private const byte EntryByCookiePrefix = 0x04;
    private const byte SharePrefix = 0x05;
    private const byte ReleasedContentPrefix = 0x06;

    public const int InodeLength = 1 + sizeof(ulong);
    public const int DirectoryRangeLength = 1 + sizeof(ulong);
    public const int EntryByCookieLength = DirectoryRangeLength + sizeof(ulong);
    public const int MaxEntryByNameLength = DirectoryRangeLength + PosixRules.MaxNameLength;
    public const int ReleasedContentLength = 1 + 2 * sizeof(ulong);

    public static ReadOnlySpan<byte> Identity => [StorePrefix, 0x01];
    public static ReadOnlySpan<byte> FileIdHighWater => [StorePrefix, 0x02];
    /// <summary>An empty record earlier builds wrote to sync the WAL; still found in their databases, and ignored.</summary>
    public static ReadOnlySpan<byte> SyncBarrier => [StorePrefix, 0x03];

    /// <summary>The first key of the share-root range; every share-root key starts with it.</summary>
    public static ReadOnlySpan<byte> ShareRange => [SharePrefix];

    /// <summary>The first key of the released-content range; every released-content key starts with it.</summary>
    public static ReadOnlySpan<byte> ReleasedContentRange => [ReleasedContentPrefix];

    /// <summary>The first key of the inode range; every inode key starts with it.</summary>
    public static ReadOnlySpan<byte> InodeRange => [InodePrefix];

    public static Span<byte> Inode(Span<byte> destination, ulong fileId)
    {
        destination[0] = InodePrefix;
        BinaryPrimitives.WriteUInt64BigEndian(destination[1..], fileId);
        return destination[..InodeLength];
    }

    /// <param name="name">At most <see cref="PosixRules.MaxNameLength"/> bytes (callers check names first).</param>
    public static Span<byte> EntryByName(Span<byte> destination, ulong directoryId, ReadOnlySpan<byte> name)
    {
        destination[0] = EntryByNamePrefix;
        BinaryPrimitives.WriteUInt64BigEndian(destination[1..], directoryId);
        name.CopyTo(destination[DirectoryRangeLength..]);
        return destination[..(DirectoryRangeLength + name.Length)];
    }

    public static Span<byte> EntryByCookie(Span<byte> destination, ulong directoryId, ulong cookie)
    {
        EntriesOf(destination, directoryId);
        BinaryPrimitives.WriteUInt64BigEndian(destination[DirectoryRangeLength..], cookie);
        return destination[..EntryByCookieLength];
    }

    /// <summary>The prefix shared by every entry-by-cookie key of one directory.</summary>
    public static Span<byte> EntriesOf(Span<byte> destination, ulong directoryId)
    {
        destination[0] = EntryByCookiePrefix;
        BinaryPrimitives.WriteUInt64BigEndian(destination[1..], directoryId);
        return destination[..DirectoryRangeLength];
    }

    public static ulong CookieOf(ReadOnlySpan<byte> entryByCookieKey) =>
        BinaryPrimitives.ReadUInt64BigEndian(entryByCookieKey[DirectoryRangeLength..]);

    public static Span<byte> ReleasedContent(Span<byte> destination, ContentId content)
    {
        destination[0] = ReleasedContentPrefix;
        BinaryPrimitives.WriteUInt128BigEndian(destination[1..], content.Value);
        return destination[..ReleasedContentLength];
    }

    public static ContentId ContentIdOf(ReadOnlySpan<byte> releasedContentKey) =>
        new(BinaryPrimitives.ReadUInt128BigEndian(releasedContentKey[1..]));

    /// <summary>What kind of record a key names, from its prefix byte (an offline check reads every key).</summary>
    public static RecordKind KindOf(ReadOnlySpan<byte> key) => key switch
    {
        [StorePrefix, 0x01] => RecordKind.Identity,
        [StorePrefix, 0x02] => RecordKind.FileIdHighWater,
        [StorePrefix, 0x03] => RecordKind.SyncBarrier,
        [InodePrefix, ..] when key.Length == InodeLength => RecordKind.Inode,
        [EntryByNamePrefix, ..] when key.Length > DirectoryRangeLength && key.Length <= MaxEntryByNameLength => RecordKind.EntryByName,
        [EntryByCookiePrefix, ..] when key.Length == EntryByCookieLength => RecordKind.EntryByCookie,
        [SharePrefix, ..] => RecordKind.ShareRoot,
        [ReleasedContentPrefix, ..] when key.Length == ReleasedContentLength => RecordKind.ReleasedContent,
        _ => RecordKind.Unknown,
    };

    /// <summary>The file id of an inode key, or the directory id of an entry key (either kind).</summary>
    public static ulong IdOf(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadUInt64BigEndian(key[1..]);

    public static ReadOnlySpan<byte> NameOf(ReadOnlySpan<byte> entryByNameKey) => entryByNameKey[DirectoryRangeLength..];

    public static string ShareNameOf(ReadOnlySpan<byte> shareRootKey) => Encoding.UTF8.GetString(shareRootKey[1..]);

    public static byte[] ShareRoot(string shareName)
    {
        var key = new byte[1 + Encoding.UTF8.GetByteCount(shareName)];
        key[0] = SharePrefix;
        Encoding.UTF8.GetBytes(shareName, key.AsSpan(1));
        return key;
    }
}

/// <summary>The kinds of record in the key space (see <see cref="MetadataKeys"/>).</summary>
internal enum RecordKind
{
    Unknown,
    Identity,
    FileIdHighWater,
    SyncBarrier,
    Inode,
    EntryByName,
    EntryByCookie,
    ShareRoot,
    ReleasedContent,
}
