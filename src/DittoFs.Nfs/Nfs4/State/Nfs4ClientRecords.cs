using System.Text.Json;
using DittoFs.Protocol;
using DittoFs.Storage;
using DittoFs.Vfs.Locks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Nfs;

/// <summary>
/// NFSv4 clients' stable storage (RFC 7530 §9.6.3, RFC 8881 §8.4.3): which clients (minor version and owner string)
/// hold state (were granted an open), kept durably so that after a restart exactly those clients may reclaim their opens and locks
/// in the grace period, and no other — a client that lost its state, or never had any, must not reclaim a lock that
/// another client may since have taken (RFC 7530 §9.6.3.4's edge conditions).
/// <para>
/// One file, <c>nfs4-clients.json</c> in the lock state directory, replaced whole (write, fsync, rename, fsync the
/// directory) before the reply that depends on it: a client is recorded before its first open is granted, so it
/// holds no state the file does not know of; a client that only looks (lists, reads with the anonymous stateid) is not
/// recorded and gives the next start no reason for a grace period. The file also counts this server's starts (<see cref="Instance"/>), so
/// client ids and stateids of two starts in the same second still differ. While the grace period runs, the earlier
/// start's clients stay recorded even if they have not come back yet (a second restart keeps their right to reclaim);
/// when it ends, those that did not come back are dropped. With no directory, nothing survives a restart and nothing is
/// reclaimable.
/// </para>
/// </summary>
public sealed class Nfs4ClientRecords : IDisposable
{
    private const string FileName = "nfs4-clients.json";

    private readonly Lock _lock = new();
    private readonly string? _directory;
    private readonly LockGracePeriod? _grace;
    private readonly ILogger _log;
    private readonly HashSet<ClientKey> _previous;
    private readonly HashSet<ClientKey> _completed = [];
    private readonly HashSet<ClientKey> _current = [];
    private Timer? _graceTimer;
    private bool _graceOver;
    private bool _endWhenAllReclaimed;

    private Nfs4ClientRecords(string? directory, LockGracePeriod? grace, uint instance, HashSet<ClientKey> previous, ILogger? log)
    {
        _directory = directory;
        _grace = grace;
        _log = log ?? NullLogger.Instance;
        Instance = instance;
        _previous = previous;
    }

    /// <summary>
    /// Reads the earlier start's records and stores this start's instance number (durably, before anything is served).
    /// </summary>
    /// <param name="directory">The lock state directory (<c>locks.state_dir</c>); null keeps records in memory only.</param>
    /// <param name="grace">The server's grace period, in which the earlier start's clients reclaim.</param>
    /// <exception cref="IOException">The file cannot be read, parsed or written; the message names it.</exception>
    public static Nfs4ClientRecords Open(string? directory, LockGracePeriod? grace, ILogger? log = null, TimeProvider? clock = null)
    {
        uint seconds = (uint)(clock ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds();
        if (directory is null)
        {
            return new Nfs4ClientRecords(null, grace, seconds, [], log);
        }
        string path = Path.Combine(directory, FileName);
        try
        {
            uint previousInstance = 0;
            var previous = new HashSet<ClientKey>();
            if (File.Exists(path))
            {
                using var document = JsonDocument.Parse(File.ReadAllBytes(path));
                previousInstance = document.RootElement.GetProperty("instance").GetUInt32();
                foreach (var client in document.RootElement.GetProperty("clients").EnumerateArray())
                {
                    previous.Add(new ClientKey(client.GetProperty("minor").GetUInt32(), client.GetProperty("owner").GetString()!));
                }
            }
            // Later than every earlier start, and than the clock: ids stay unique even if the file is lost.
            var records = new Nfs4ClientRecords(directory, grace, Math.Max(seconds, unchecked(previousInstance + 1)), previous, log);
            lock (records._lock)
            {
                records.Write();
            }
            return records;
        }
        catch (Exception exception) when (exception is UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException
            or FormatException or IOException)
        {
            throw new IOException($"NFSv4 client records {path}: {exception.Message}", exception);
        }
    }

    /// <summary>This start's number: above every earlier start's. Client ids, session ids and stateids carry it.</summary>
    public uint Instance { get; }

    /// <summary>How many clients of the earlier start may reclaim (decides whether a grace period is needed).</summary>
    public int Reclaimable
    {
        get
        {
            lock (_lock)
            {
                return _previous.Count;
            }
        }
    }

    /// <summary>
    /// Drops the clients that did not come back once the grace period is over, without waiting for a client call to
    /// notice; call after the grace period began.
    /// </summary>
    public void WatchGracePeriod()
    {
        if (_grace?.EndsAt is { } end)
        {
            var due = end - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
            _graceTimer = new Timer(_ => EndOfGrace(), null, due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Whether the client may reclaim now (RFC 7530 §9.6.2, RFC 8881 §8.4.2.1): in the grace period, recorded by the
    /// earlier start, and (4.1) before its RECLAIM_COMPLETE; NFS4ERR_NO_GRACE otherwise.
    /// </summary>
    internal Nfsstat4 MayReclaim(uint minorVersion, byte[] owner)
    {
        lock (_lock)
        {
            var key = ClientKey.Of(minorVersion, owner);
            return InGraceLocked() && _previous.Contains(key) && !_completed.Contains(key) ? Nfsstat4.Nfs4Ok : Nfsstat4.Nfs4errNoGrace;
        }
    }

    /// <summary>Whether the grace period runs: new opens and locks wait (NFS4ERR_GRACE) while clients reclaim.</summary>
    internal bool InGrace
    {
        get
        {
            lock (_lock)
            {
                return InGraceLocked();
            }
        }
    }

    /// <summary>A client is about to be granted its first state: recorded durably before that is answered.</summary>
    /// <exception cref="IOException">The record could not be written: nothing may be granted.</exception>
    internal void HoldsState(uint minorVersion, byte[] owner)
    {
        lock (_lock)
        {
            InGraceLocked();
            var key = ClientKey.Of(minorVersion, owner);
            if (_current.Add(key))
            {
                try
                {
                    Write();
                }
                catch (IOException)
                {
                    _current.Remove(key);
                    throw;
                }
            }
        }
    }

    /// <summary>
    /// A recorded client is gone (lease expired, destroyed): it may not reclaim after a restart. A failed write is logged;
    /// the next write leaves the client out.
    /// </summary>
    internal void Removed(uint minorVersion, byte[] owner)
    {
        lock (_lock)
        {
            try
            {
                InGraceLocked();
                if (_current.Remove(ClientKey.Of(minorVersion, owner)))
                {
                    Write();
                }
            }
            catch (IOException exception)
            {
                _log.LogWarning("NFSv4: a gone client's record could not be removed from {Directory}: {Message}", _directory, exception.Message);
            }
        }
    }

    /// <summary>
    /// Ends the grace period as soon as every client of the earlier start has sent RECLAIM_COMPLETE (only 4.1 clients can:
    /// one 4.0 client keeps it running to its end). For a server whose grace period is only for NFSv4 clients, not for
    /// NLM clients that reclaim without saying when they are done.
    /// </summary>
    public void EndGraceWhenAllReclaimed()
    {
        lock (_lock)
        {
            _endWhenAllReclaimed = true;
            EndIfAllReclaimed();
        }
    }

    /// <summary>RECLAIM_COMPLETE (4.1): the client reclaims no more in this grace period.</summary>
    internal void ReclaimCompleted(uint minorVersion, byte[] owner)
    {
        lock (_lock)
        {
            _completed.Add(ClientKey.Of(minorVersion, owner));
            EndIfAllReclaimed();
        }
    }

    private void EndIfAllReclaimed()
    {
        if (_endWhenAllReclaimed && _grace?.IsActive == true && _previous.IsSubsetOf(_completed))
        {
            _grace.End();
            InGraceLocked();
        }
    }

    public void Dispose() => _graceTimer?.Dispose();

    private void EndOfGrace()
    {
        lock (_lock)
        {
            InGraceLocked();
        }
    }

    /// <summary>
    /// Whether the grace period runs; the first time it is seen over, the clients that did not come back are dropped
    /// from the file (if that write fails it is logged and tried again at the next look).
    /// </summary>
    private bool InGraceLocked()
    {
        if (_grace?.IsActive == true)
        {
            return true;
        }
        if (!_graceOver)
        {
            var missed = _previous.ToArray();
            _previous.Clear();
            try
            {
                if (missed.Length > 0)
                {
                    Write();
                }
                _graceOver = true;
            }
            catch (IOException exception)
            {
                _previous.UnionWith(missed);
                _log.LogWarning("NFSv4: the end of the grace period could not be recorded in {Directory}: {Message}", _directory, exception.Message);
            }
        }
        return false;
    }

    /// <summary>The file holds this start's instance and every client that may reclaim after a crash now.</summary>
    private void Write()
    {
        if (_directory is null)
        {
            return;
        }
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("instance", Instance);
            json.WriteStartArray("clients");
            foreach (var client in _current.Union(_previous))
            {
                json.WriteStartObject();
                json.WriteNumber("minor", client.MinorVersion);
                json.WriteString("owner", client.Owner);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        DirectorySync.ReplaceFile(_directory, FileName, buffer.ToArray());
    }

    /// <summary>A client across restarts: its minor version and owner string (base64, as stored).</summary>
    private readonly record struct ClientKey(uint MinorVersion, string Owner)
    {
        public static ClientKey Of(uint minorVersion, byte[] owner) => new(minorVersion, Convert.ToBase64String(owner));
    }
}
