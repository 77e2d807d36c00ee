using System.Security.Cryptography;

namespace DittoFs.Storage.RocksDb.Records;

/// <summary>
/// Random values chosen once when a database is created and kept in it, so that what clients hold stays valid
/// across restarts but never matches another database made at the same path later: the generation every handle
/// carries, the salt of READDIR cookie verifiers, and the high half of every content id (so several metadata
/// stores can share one content store).
/// </summary>
internal sealed record StoreIdentity(uint Generation, ulong CookieSalt, ulong ContentIdPrefix)
{
    /// <summary>Format 2: every inode record names its share root. Format 1 databases are migrated on open (<see cref="ShareRootMigration"/>).</summary>
    public const uint CurrentFormat = 2;

    /// <summary>Format 1: inode records without their share root.</summary>
    public const uint FormatWithoutRoots = 1;

    /// <summary>The format of the database this identity was read from.</summary>
    public uint Format { get; init; } = CurrentFormat;

    public const int Length = 2 * sizeof(uint) + 2 * sizeof(ulong);

    public static StoreIdentity CreateRandom() => new(NonZero32(), NonZero64(), NonZero64());

    /// <summary>Regular files' content ids: the store's prefix and the file id, unique because file ids are never reused.</summary>
    public ContentId ContentIdOf(ulong fileId) => new(new UInt128(ContentIdPrefix, fileId));

    /// <summary>
    /// The cookie verifier of a directory. Cookies are per-directory sequence numbers that stay valid while the
    /// directory exists, restarts included, so the verifier only needs to be stable and non-zero; deriving it from
    /// the directory id also makes a cookie presented to the wrong directory BadCookie.
    /// </summary>
    public ulong CookieVerifierOf(ulong directoryId)
    {
        // SplitMix64's finalizer: every input bit moves about half the output bits.
        ulong value = CookieSalt ^ directoryId;
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EB;
        value ^= value >> 31;
        return value == 0 ? 1 : value;
    }

    public void Write(Span<byte> destination)
    {
        var writer = new RecordWriter(destination);
        writer.WriteUInt32(Format);
        writer.WriteUInt32(Generation);
        writer.WriteUInt64(CookieSalt);
        writer.WriteUInt64(ContentIdPrefix);
    }

    public static StoreIdentity Read(ReadOnlySpan<byte> value)
    {
        var reader = new RecordReader(value);
        uint version = reader.ReadUInt32();
        if (version is not (CurrentFormat or FormatWithoutRoots))
        {
            throw new InvalidDataException($"Metadata database of format {version}; this build reads formats {FormatWithoutRoots} and {CurrentFormat}.");
        }
        return new StoreIdentity(reader.ReadUInt32(), reader.ReadUInt64(), reader.ReadUInt64()) { Format = version };
    }

    private static uint NonZero32()
    {
        uint value;
        do
        {
            value = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(sizeof(uint)));
        }
        while (value == 0);
        return value;
    }

    private static ulong NonZero64()
    {
        ulong value;
        do
        {
            value = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong)));
        }
        while (value == 0);
        return value;
    }
}
