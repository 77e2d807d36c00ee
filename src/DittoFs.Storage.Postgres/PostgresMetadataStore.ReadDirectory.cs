using System.Data;
using Npgsql;

namespace DittoFs.Storage.Postgres;

public sealed partial class PostgresMetadataStore
{
    private static readonly string SelectPage =
        $"SELECT e.name, e.cookie, {InodeRow.Columns("i")} FROM entries e JOIN inodes i ON i.id = e.child_id " +
        "WHERE e.dir_id = $1 AND e.cookie > $2 ORDER BY e.cookie LIMIT $3";

    /// <summary>
    /// Reads one page in a REPEATABLE READ transaction, so the directory, its entries and their attributes are one
    /// consistent view; the index on (directory, cookie) gives the entries after the cookie, one more than fit, which
    /// tells whether the page ends the directory. Cookies are the directory row's sequence and the verifier derives
    /// from the store identity row: both mean the same on every server.
    /// </summary>
    public ValueTask<StoreResult<DirectoryPage>> ReadDirectoryAsync(AuthContext auth, FileRef directory, ulong afterCookie, ulong cookieVerifier, Memory<DirectoryEntry> destination, CancellationToken cancellationToken = default) =>
        Run("readdir", change =>
        {
            var parent = Sql.ReadInode(change, directory.FileId);
            if (!IsNamedBy(parent, directory))
            {
                return StoreStatus.Stale;
            }
            var attributes = parent.Attributes;
            ulong verifier = _identity.CookieVerifierOf(parent.Id);
            var status = parent.IsDirectory ? PosixRules.CheckListDirectory(attributes, auth) : StoreStatus.NotDir;
            if (status == StoreStatus.Ok && afterCookie != DirectoryCookie.Start && (cookieVerifier != verifier || afterCookie > parent.LastCookie))
            {
                // Cookie 0 starts over with any verifier; others must be this directory's and handed out already.
                status = StoreStatus.BadCookie;
            }
            if (status != StoreStatus.Ok)
            {
                return new StoreResult<DirectoryPage>(status, new DirectoryPage(0, false, verifier, attributes));
            }
            var page = destination.Span;
            using var command = change.Command(SelectPage);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Sql.Signed(Math.Max(afterCookie, DirectoryCookie.FirstEntry - 1)) });
            command.Parameters.Insert(0, new NpgsqlParameter<long> { TypedValue = Sql.Signed(parent.Id) });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = page.Length + 1L });
            using var reader = command.ExecuteReader();
            int count = 0;
            bool endOfDirectory = true;
            while (reader.Read())
            {
                if (count == page.Length)
                {
                    endOfDirectory = false;
                    break;
                }
                var name = reader.GetFieldValue<byte[]>(0);
                ulong cookie = unchecked((ulong)reader.GetInt64(1));
                page[count++] = new DirectoryEntry(name, cookie, InodeRow.Read(reader, 2).Attributes);
            }
            return new DirectoryPage(count, endOfDirectory, verifier, attributes);
        }, IsolationLevel.RepeatableRead);
}
