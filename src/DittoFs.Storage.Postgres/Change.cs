using Npgsql;

namespace DittoFs.Storage.Postgres;

/// <summary>
/// One transaction of the store on one pooled connection, and the row locks a namespace change asked for but has not
/// taken yet (<see cref="PostgresMetadataStore"/>'s namespace steps take them, in ascending file id order, just before
/// the first read under them).
/// </summary>
internal sealed class Change(NpgsqlConnection connection, NpgsqlTransaction? transaction)
{
    public NpgsqlConnection Connection { get; } = connection;
    public NpgsqlTransaction? Transaction { get; } = transaction;

    /// <summary>File ids whose rows the change locks at its next read (<see cref="OrderedLocks"/> takes no database lock).</summary>
    public List<ulong> PendingLocks { get; } = new(4);

    /// <summary>
    /// Rows as the locking statement returned them: locked by this transaction, so nobody else changes them, and
    /// dropped when this transaction writes (<see cref="SqlBatch.Execute"/>). The skeleton's reads under its locks
    /// come from here, which saves a round trip per object.
    /// </summary>
    public Dictionary<ulong, InodeRow> LockedRows { get; } = new(4);

    /// <summary>The rename gate was asked for: taken (an advisory lock to the transaction's end) before the next row locks.</summary>
    public bool RenameGateWanted { get; set; }

    public bool RenameGateHeld { get; set; }

    /// <summary>What the shared skeleton enters and exits as the rename gate; the real gate is the database's advisory lock.</summary>
    public Lock RenameGateStandIn { get; } = new();

    public NpgsqlCommand Command(string sql) => new(sql, Connection, Transaction);
}
