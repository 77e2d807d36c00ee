namespace DittoFs.Storage.Postgres;

/// <summary>
/// Random values chosen once when the schema is created and kept in the database (table <c>store_identity</c>), so
/// every server on the database derives the same handles, content ids and cookie verifiers, and a database made anew
/// gives none of them again: the generation every handle carries, the salt of READDIR cookie verifiers, and the high
/// half of every content id.
/// </summary>
internal sealed record StoreIdentity(uint Generation, ulong CookieSalt, ulong ContentIdPrefix)
{
    public ContentId ContentIdOf(ulong fileId) => new(new UInt128(ContentIdPrefix, fileId));

    /// <summary>
    /// The cookie verifier of a directory: stable, non-zero, the same on every server (derived from the stored salt
    /// and the directory id, as the RocksDB store does), so a cookie given out by one server resumes on another.
    /// </summary>
    public ulong CookieVerifierOf(ulong directoryId)
    {
        ulong value = CookieSalt ^ directoryId;
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EB;
        value ^= value >> 31;
        return value == 0 ? 1 : value;
    }
}
