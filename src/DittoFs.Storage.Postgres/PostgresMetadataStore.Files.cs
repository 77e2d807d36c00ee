using Npgsql;

namespace DittoFs.Storage.Postgres;

// Share roots, attributes, reads and the release list: everything but the namespace changes.
public sealed partial class PostgresMetadataStore
{
    /// <summary>
    /// Finds the share's root, or creates it under the roots gate (an advisory lock), so servers starting together
    /// create one root per share.
    /// </summary>
    public ValueTask<StoreResult<FileRef>> GetOrCreateRootAsync(string shareName, uint uid, uint gid, uint mode, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(shareName);
        return Run<FileRef>("share root", change =>
        {
            if (FindRoot(change, shareName) is { } existing)
            {
                return existing;
            }
            Sql.AdvisoryLock(change, Sql.RootsGateKey);
            if (FindRoot(change, shareName) is { } created)
            {
                return created;
            }
            if (!HasFileSlot(change))
            {
                return StoreStatus.NoSpc;
            }
            var now = _clock.Now();
            var attributes = WithIdentity(change, PosixRules.NewShareRoot(mode, uid, gid, now));
            using var batch = new SqlBatch(change);
            batch.PutInode(InodeRow.NewDirectory(attributes, parentId: attributes.FileId, rootId: attributes.FileId));
            batch.PutShareRoot(shareName, attributes.FileId);
            batch.CountFiles(attributes.FileId, +1);
            batch.Execute();
            return attributes.Ref;
        });
    }

    private static FileRef? FindRoot(Change change, string shareName)
    {
        ulong rootId = Sql.ShareRoot(change, shareName);
        if (rootId == 0)
        {
            return null;
        }
        var root = Sql.ReadInode(change, rootId);
        return root.Exists ? root.Attributes.Ref : null;
    }

    public ValueTask<StoreResult<InodeAttributes>> GetAttributesAsync(FileRef file, CancellationToken cancellationToken = default) =>
        Read<InodeAttributes>("getattr", change => TryResolve(change, file, out var row) ? row.Attributes : StoreStatus.Stale);

    public ValueTask<StoreResult<AccessResult>> AccessAsync(AuthContext auth, FileRef file, AccessRights requested, CancellationToken cancellationToken = default) =>
        Read<AccessResult>("access", change => TryResolve(change, file, out var row)
            ? new AccessResult(PosixRules.GrantAccess(row.Attributes, auth, requested), row.Attributes)
            : StoreStatus.Stale);

    public ValueTask<StoreResult<ReadLinkResult>> ReadLinkAsync(AuthContext auth, FileRef symlink, CancellationToken cancellationToken = default) =>
        Read<ReadLinkResult>("readlink", change =>
        {
            if (!TryResolve(change, symlink, out var row))
            {
                return StoreStatus.Stale;
            }
            return row.SymlinkTarget is { } target
                ? new ReadLinkResult(target, row.Attributes)
                : new StoreResult<ReadLinkResult>(StoreStatus.Inval, new ReadLinkResult(default, row.Attributes));
        });

    public ValueTask<StoreResult<InodeAttributes>> PrepareReadAsync(AuthContext auth, FileRef file, CancellationToken cancellationToken = default) =>
        Read("prepare read", change => TryResolve(change, file, out var row)
            ? new StoreResult<InodeAttributes>(PosixRules.CheckRead(row.Attributes, auth), row.Attributes)
            : StoreStatus.Stale);

    public ValueTask<StoreResult<InodeAttributes>> PrepareWriteAsync(AuthContext auth, FileRef file, ulong offset, uint count, CancellationToken cancellationToken = default) =>
        Read("prepare write", change =>
        {
            if (!TryResolve(change, file, out var row))
            {
                return StoreStatus.Stale;
            }
            var status = PosixRules.CheckWrite(row.Attributes, auth);
            if (status == StoreStatus.Ok)
            {
                status = PosixRules.CheckWriteRange(offset, count);
            }
            return new StoreResult<InodeAttributes>(status, row.Attributes);
        });

    /// <summary>
    /// Reads the directory, its entry and the child in two statements without locks. A child removed in between is
    /// reported as not found, as if the LOOKUP had come a moment later.
    /// </summary>
    public ValueTask<StoreResult<LookupResult>> LookupAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default) =>
        Read<LookupResult>("lookup", change =>
        {
            if (!TryResolve(change, directory, out var parent))
            {
                return StoreStatus.Stale;
            }
            var nameSpan = name.Span;
            var parentAttributes = parent.Attributes;
            var status = parent.IsDirectory ? PosixRules.CheckNameSyntax(nameSpan) : StoreStatus.NotDir;
            if (status == StoreStatus.Ok)
            {
                status = PosixRules.CheckSearch(parentAttributes, auth);
            }
            if (status != StoreStatus.Ok)
            {
                return new StoreResult<LookupResult>(status, new LookupResult(default, parentAttributes));
            }
            if (PosixRules.IsDot(nameSpan))
            {
                return new LookupResult(parentAttributes, parentAttributes);
            }
            var child = PosixRules.IsDotDot(nameSpan) ? Sql.ReadInode(change, parent.ParentId) : Sql.ReadChild(change, parent.Id, nameSpan);
            return child.Exists
                ? new LookupResult(child.Attributes, parentAttributes)
                : new StoreResult<LookupResult>(StoreStatus.NoEnt, new LookupResult(default, parentAttributes));
        });

    public ValueTask<StoreResult<WccData>> SetAttributesAsync(AuthContext auth, FileRef file, SetAttributes changes, FileTime? guardChangeTime, CancellationToken cancellationToken = default) =>
        Run("setattr", change => TryResolve(change, file, out _)
            ? ChangeAttributes(change, auth, file.FileId, changes, guardChangeTime)
            : StoreStatus.Stale);

    private StoreResult<WccData> ChangeAttributes(Change change, AuthContext auth, ulong fileId, in SetAttributes changes, FileTime? guardChangeTime)
    {
        var row = LockAndRead(change, fileId);
        if (!row.Exists)
        {
            return StoreStatus.Stale;
        }
        var before = row.Attributes;
        var status = PosixRules.CheckGuard(before, guardChangeTime);
        if (status == StoreStatus.Ok)
        {
            status = PosixRules.ApplySetAttributes(before, changes, auth, _clock.Now(), out var after);
            if (status == StoreStatus.Ok)
            {
                if (after != before)
                {
                    using var batch = new SqlBatch(change);
                    batch.PutInode(row with { Attributes = after });
                    batch.Execute();
                }
                return new WccData(before.ToWcc(), after);
            }
        }
        return new StoreResult<WccData>(status, WccData.Unchanged(before));
    }

    public ValueTask<StoreStatus> RevertAttributesAsync(FileRef file, InodeAttributes changed, InodeAttributes original, CancellationToken cancellationToken = default) =>
        Status(Run<bool>("revert attributes", change =>
        {
            if (!TryResolve(change, file, out _))
            {
                return StoreStatus.Stale;
            }
            var row = LockAndRead(change, file.FileId);
            if (!row.Exists)
            {
                return StoreStatus.Stale;
            }
            var status = PosixRules.Revert(row.Attributes, changed, original, out var reverted);
            if (status != StoreStatus.Ok)
            {
                return status;
            }
            using var batch = new SqlBatch(change);
            batch.PutInode(row with { Attributes = reverted });
            batch.Execute();
            return true;
        }));

    /// <summary>Committed like every change (synchronous_commit on), so <see cref="FlushAsync"/> finds it durable already.</summary>
    public ValueTask<StoreResult<WccData>> CommitWriteAsync(AuthContext auth, FileRef file, ulong offset, uint count, CancellationToken cancellationToken = default) =>
        Run("commit write", change =>
        {
            if (!TryResolve(change, file, out _))
            {
                return StoreStatus.Stale;
            }
            var row = LockAndRead(change, file.FileId);
            if (!row.Exists)
            {
                return StoreStatus.Stale;
            }
            var before = row.Attributes;
            if (PosixRules.CheckWriteRange(offset, count) is var status and not StoreStatus.Ok)
            {
                return new StoreResult<WccData>(status, WccData.Unchanged(before));
            }
            var after = PosixRules.ApplyWrite(before, auth, offset, count, _clock.Now());
            if (after != before)
            {
                using var batch = new SqlBatch(change);
                batch.PutInode(row with { Attributes = after });
                batch.Execute();
            }
            return new WccData(before.ToWcc(), after);
        });

    /// <summary>Every change was durable when it returned: only checks that the file is there.</summary>
    public ValueTask<StoreStatus> FlushAsync(FileRef file, CancellationToken cancellationToken = default) =>
        Status(Read<bool>("flush", change => TryResolve(change, file, out _) ? true : StoreStatus.Stale));

    public ValueTask<StoreResult<FileCountStats>> GetFileCountStatsAsync(CancellationToken cancellationToken = default) =>
        Read("fsstat", change =>
        {
            ulong used = Sql.CountFiles(change);
            ulong free = _maxFiles > used ? _maxFiles - used : 0;
            return new StoreResult<FileCountStats>(new FileCountStats(_maxFiles, free, free));
        });

    /// <summary>Drops the content's released row (committed, though losing it would only make the next start delete it again).</summary>
    public ValueTask<StoreStatus> ContentDeletedAsync(ContentId content, CancellationToken cancellationToken = default) =>
        Status(Run<bool>("content deleted", change =>
        {
            using var command = change.Command("DELETE FROM released_content WHERE content_hi = $1 AND content_lo = $2");
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Sql.Signed((ulong)(content.Value >> 64)) });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Sql.Signed((ulong)content.Value) });
            command.ExecuteNonQuery();
            return true;
        }));

    /// <summary>
    /// Claims due released content for this store (this server) in one statement: rows whose grace has passed and
    /// that no unexpired claim holds, locked with SKIP LOCKED so that servers claiming at once take different rows and
    /// never wait for each other (a row another server claimed and committed meanwhile is re-checked against its new
    /// claim and skipped). Oldest releases first.
    /// </summary>
    public async ValueTask<IReadOnlyList<ContentId>> ClaimReleasedContentAsync(int max, TimeSpan grace, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var claimed = await Run<IReadOnlyList<ContentId>>("claim released content", change =>
        {
            var released = new List<ContentId>();
            using var command = change.Command("""
                UPDATE released_content AS r SET claimed_by = $1, claimed_until = clock_timestamp() + $3
                FROM (SELECT content_hi, content_lo FROM released_content
                      WHERE released_at <= clock_timestamp() - $2 AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
                      ORDER BY released_at LIMIT $4 FOR UPDATE SKIP LOCKED) AS due
                WHERE r.content_hi = due.content_hi AND r.content_lo = due.content_lo
                RETURNING r.content_hi, r.content_lo
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _claimant });
            command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = grace });
            command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = lease });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max });
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                released.Add(new ContentId(new UInt128(unchecked((ulong)reader.GetInt64(0)), unchecked((ulong)reader.GetInt64(1)))));
            }
            return released;
        }).ConfigureAwait(false);
        return claimed.IsOk ? claimed.Value : [];
    }

    /// <summary>
    /// The release list of the whole database, claimed or not (fsck, and stores of one server). Servers sharing the
    /// database do not delete from it: they claim (<see cref="ClaimReleasedContentAsync"/>), since another server's
    /// REMOVE may have released an entry a moment ago while a READ elsewhere still reads it.
    /// </summary>
    public async ValueTask<IReadOnlyList<ContentId>> ListReleasedContentAsync(CancellationToken cancellationToken = default)
    {
        var listed = await Read<IReadOnlyList<ContentId>>("list released content", change =>
        {
            var released = new List<ContentId>();
            using var command = change.Command("SELECT content_hi, content_lo FROM released_content ORDER BY content_hi, content_lo");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                released.Add(new ContentId(new UInt128(unchecked((ulong)reader.GetInt64(0)), unchecked((ulong)reader.GetInt64(1)))));
            }
            return released;
        }).ConfigureAwait(false);
        // The interface has no status here: a database away at start leaves the list to the next start.
        return listed.IsOk ? listed.Value : [];
    }

    private static async ValueTask<StoreStatus> Status<T>(ValueTask<StoreResult<T>> result) => (await result.ConfigureAwait(false)).Status;
}
