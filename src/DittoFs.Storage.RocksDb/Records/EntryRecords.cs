using System.Buffers.Binary;

namespace DittoFs.Storage.RocksDb.Records;

/// <summary>
/// One directory entry is two records written and deleted together: by name (for LOOKUP and every namespace
/// change) holding the cookie and child id, and by cookie (for READDIR, in cookie order) holding the child id and
/// the name. Each record says how to find the other.
/// </summary>
internal static class EntryRecords
{
    public const int ByNameLength = 2 * sizeof(ulong);

    /// <summary>What the by-name record of an entry holds; <see cref="ChildId"/> is 0 for "no such entry".</summary>
    public readonly record struct NamedEntry(ulong Cookie, ulong ChildId)
    {
        public bool Exists => ChildId != 0;
    }

    public static void WriteByName(Span<byte> destination, ulong cookie, ulong childId)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, cookie);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[sizeof(ulong)..], childId);
    }

    public static NamedEntry ReadByName(ReadOnlySpan<byte> value) =>
        new(BinaryPrimitives.ReadUInt64LittleEndian(value), BinaryPrimitives.ReadUInt64LittleEndian(value[sizeof(ulong)..]));

    public static int ByCookieLength(ReadOnlySpan<byte> name) => sizeof(ulong) + name.Length;

    public static void WriteByCookie(Span<byte> destination, ulong childId, ReadOnlySpan<byte> name)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, childId);
        name.CopyTo(destination[sizeof(ulong)..]);
    }

    public static ulong ChildIdOf(ReadOnlySpan<byte> byCookieValue) => BinaryPrimitives.ReadUInt64LittleEndian(byCookieValue);

    public static ReadOnlySpan<byte> NameOf(ReadOnlySpan<byte> byCookieValue) => byCookieValue[sizeof(ulong)..];
}
