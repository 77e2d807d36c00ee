using Npgsql;
using NpgsqlTypes;

namespace DittoFs.Storage.Postgres;

/// <summary>
/// One row of the <c>inodes</c> table: an object's attributes and what only some types have (as the RocksDB store's
/// inode record). A default row (file id 0) means "not found": file ids are never 0. Unsigned values are stored in
/// signed columns of the same width, bit for bit (a size above 2^63 reads back as the same ulong).
/// </summary>
internal readonly record struct InodeRow
{
    /// <summary>The columns <see cref="Read"/> expects, in order; prefixed with a table alias where a query joins.</summary>
    public static string Columns(string alias = "") =>
        string.Join(", ", ColumnNames.Select(column => alias.Length == 0 ? column : $"{alias}.{column}"));

    public static readonly string[] ColumnNames =
    [
        "id", "generation", "root_id", "parent_id", "type", "mode", "link_count", "uid", "gid", "size", "used",
        "dev_major", "dev_minor", "content_hi", "content_lo", "atime_s", "atime_ns", "mtime_s", "mtime_ns",
        "ctime_s", "ctime_ns", "last_cookie", "entry_count", "create_verifier", "symlink_target",
    ];

    public InodeAttributes Attributes { get; init; }

    /// <summary>The share root the object lives under (a root's is its own id); fixed at creation.</summary>
    public ulong RootId { get; init; }

    /// <summary>Directories: the directory whose entry names this one; a share root is its own parent. 0 for other types.</summary>
    public ulong ParentId { get; init; }

    /// <summary>Directories: the last READDIR cookie handed out; each new entry takes the next one (never reused).</summary>
    public ulong LastCookie { get; init; }

    /// <summary>Directories: how many entries.</summary>
    public ulong EntryCount { get; init; }

    public ulong? CreateVerifier { get; init; }

    public byte[]? SymlinkTarget { get; init; }

    public ulong Id => Attributes.FileId;
    public bool Exists => Attributes.FileId != 0;
    public bool IsDirectory => Attributes.Type == FileType.Directory;

    public static InodeRow NewDirectory(in InodeAttributes attributes, ulong parentId, ulong rootId) => new()
    {
        Attributes = attributes,
        RootId = rootId,
        ParentId = parentId,
        LastCookie = DirectoryCookie.FirstEntry - 1,
    };

    /// <summary>Reads a row whose <see cref="Columns"/> start at <paramref name="offset"/>.</summary>
    public static InodeRow Read(NpgsqlDataReader reader, int offset = 0)
    {
        ulong U(int i) => unchecked((ulong)reader.GetInt64(offset + i));
        uint U32(int i) => unchecked((uint)reader.GetInt64(offset + i));
        FileTime Time(int i) => new(reader.GetInt64(offset + i), unchecked((uint)reader.GetInt32(offset + i + 1)));
        return new InodeRow
        {
            Attributes = new InodeAttributes
            {
                FileId = U(0),
                Generation = U32(1),
                Type = (FileType)reader.GetInt16(offset + 4),
                Mode = unchecked((uint)reader.GetInt32(offset + 5)),
                LinkCount = U32(6),
                Uid = U32(7),
                Gid = U32(8),
                Size = U(9),
                Used = U(10),
                Device = new DeviceNumber(U32(11), U32(12)),
                ContentId = new ContentId(new UInt128(U(13), U(14))),
                AccessTime = Time(15),
                ModifyTime = Time(17),
                ChangeTime = Time(19),
            },
            RootId = U(2),
            ParentId = U(3),
            LastCookie = U(21),
            EntryCount = U(22),
            CreateVerifier = reader.IsDBNull(offset + 23) ? null : U(23),
            SymlinkTarget = reader.IsDBNull(offset + 24) ? null : reader.GetFieldValue<byte[]>(offset + 24),
        };
    }

    /// <summary>Adds this row's values, in <see cref="ColumnNames"/> order, as positional parameters.</summary>
    public void AddParameters(NpgsqlParameterCollection parameters)
    {
        var a = Attributes;
        static long S(ulong value) => unchecked((long)value);
        parameters.Add(new NpgsqlParameter<long> { TypedValue = S(a.FileId) });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = a.Generation });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = S(RootId) });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = S(ParentId) });
        parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)a.Type });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = unchecked((int)a.Mode) });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = a.LinkCount });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = a.Uid });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = a.Gid });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = S(a.Size) });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = S(a.Used) });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = a.Device.Major });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = a.Device.Minor });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = S((ulong)(a.ContentId.Value >> 64)) });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = S((ulong)a.ContentId.Value) });
        AddTime(parameters, a.AccessTime);
        AddTime(parameters, a.ModifyTime);
        AddTime(parameters, a.ChangeTime);
        parameters.Add(new NpgsqlParameter<long> { TypedValue = S(LastCookie) });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = S(EntryCount) });
        parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = CreateVerifier is { } verifier ? S(verifier) : DBNull.Value });
        parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = (object?)SymlinkTarget ?? DBNull.Value });
    }

    private static void AddTime(NpgsqlParameterCollection parameters, FileTime time)
    {
        parameters.Add(new NpgsqlParameter<long> { TypedValue = time.Seconds });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = unchecked((int)time.Nanoseconds) });
    }
}
