using System.Buffers.Binary;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Nfs;

/// <summary>
/// NFSv4 clients and 4.1 sessions (RFC 7530 §9.1 and §16.33-16.34: SETCLIENTID and its confirmation; RFC 8881 §2.4,
/// §2.10, §18.35-18.37, §18.46-18.50: EXCHANGE_ID, CREATE_SESSION, sessions and their slots, the reply cache). One lock
/// guards the table: client and session changes are rare beside the calls they serve, and SEQUENCE holds it only to
/// check and mark a slot.
/// <para>
/// Client ids carry the server instance (its start, in seconds) in their high 32 bits, so an id from before a restart
/// is NFS4ERR_STALE_CLIENTID, and ids are never reused. A client's lease (<see cref="NfsServerOptions.LeaseTime"/>) is
/// renewed by RENEW, by any operation naming it (4.0), and by SEQUENCE (4.1); an expired client loses its sessions
/// and its record at the next operation that finds it (open and lock state, when it comes, goes with it).
/// </para>
/// </summary>
internal sealed class Nfs4Clients
{
    /// <summary>Slots a session gets at most: the fore channel's ca_maxrequests is cut to this.</summary>
    public const int MaxSlots = 64;

    private readonly Lock _lock = new();
    private readonly TimeProvider _clock;
    private readonly TimeSpan _lease;
    private readonly uint _epoch;
    private readonly Nfs4ClientRecords? _records;
    private readonly Dictionary<ulong, Nfs4Client> _byId = [];
    private readonly List<Nfs4Client> _expired = [];

    /// <summary>No client's lease runs out before this (see <see cref="ExpireLeases"/>).</summary>
    private DateTimeOffset _nextExpiry = DateTimeOffset.MaxValue;
    private readonly Dictionary<SessionKey, Nfs4Session> _sessions = [];
    private uint _nextClient;
    private uint _nextSession;

    /// <param name="records">Where confirmed clients are recorded durably (their right to reclaim after a restart) and this
    /// start's instance number comes from; without, the instance is the start's second and nothing is recorded.</param>
    public Nfs4Clients(TimeSpan lease, TimeProvider? clock = null, Nfs4ClientRecords? records = null)
    {
        _clock = clock ?? TimeProvider.System;
        _lease = lease;
        _records = records;
        _epoch = records?.Instance ?? (uint)_clock.GetUtcNow().ToUnixTimeSeconds();
    }

    /// <summary>
    /// SETCLIENTID (RFC 7530 §16.33.5): a new unconfirmed record, unless the request only updates the callback of a
    /// confirmed client with the same verifier (same id, new confirm verifier). A client id string held by a live
    /// confirmed record of another principal is NFS4ERR_CLID_INUSE.
    /// </summary>
    public Nfsstat4 SetClientId(ReadOnlySpan<byte> owner, ulong verifier, string principal, out ulong clientId, out ulong confirm)
    {
        lock (_lock)
        {
            ExpireLeases();
            var confirmed = Find(owner, minorVersion: 0, confirmed: true);
            clientId = 0;
            confirm = 0;
            if (confirmed is not null && confirmed.Principal != principal && HasLiveState(confirmed))
            {
                return Nfsstat4.Nfs4errClidInuse;
            }
            var ownerBytes = owner.ToArray();
            RemoveWhere(c => !c.Confirmed && c.MinorVersion == 0 && c.Owner.AsSpan().SequenceEqual(ownerBytes));
            bool callbackUpdate = confirmed is not null && confirmed.Verifier == verifier && confirmed.Principal == principal;
            var record = new Nfs4Client(callbackUpdate ? confirmed!.Id : NewClientId(), ownerBytes, verifier, principal, minorVersion: 0)
            {
                ConfirmVerifier = NextConfirmVerifier(),
                Replaces = confirmed,
            };
            if (!callbackUpdate)
            {
                _byId[record.Id] = record;
            }
            else
            {
                confirmed!.PendingUpdate = record;
            }
            Renew(record);
            (clientId, confirm) = (record.Id, record.ConfirmVerifier);
            return Nfsstat4.Nfs4Ok;
        }
    }

    /// <summary>
    /// SETCLIENTID_CONFIRM (RFC 7530 §16.34.5): confirms the unconfirmed record with this id and verifier, dropping the
    /// confirmed record of the same client string it replaces (a client that restarted); a repeat is NFS4_OK.
    /// </summary>
    public Nfsstat4 ConfirmClientId(ulong clientId, ulong confirm, string principal)
    {
        lock (_lock)
        {
            ExpireLeases();
            if (!_byId.TryGetValue(clientId, out var client))
            {
                return Nfsstat4.Nfs4errStaleClientid;
            }
            if (client.PendingUpdate is { } update && update.ConfirmVerifier == confirm)
            {
                client.PendingUpdate = null; // a callback update: the same client, its new callback (not used yet)
                client.ConfirmVerifier = confirm;
                Renew(client);
                return Nfsstat4.Nfs4Ok;
            }
            if (client.ConfirmVerifier != confirm || client.Principal != principal)
            {
                return Nfsstat4.Nfs4errClidInuse;
            }
            if (!client.Confirmed)
            {
                Confirm(client);
            }
            Renew(client);
            return Nfsstat4.Nfs4Ok;
        }
    }

    /// <summary>
    /// A 4.0 operation naming a client id (RENEW, OPEN, LOCK…): renews its lease. NFS4ERR_STALE_CLIENTID for an id this
    /// server instance did not hand out or has dropped; NFS4ERR_EXPIRED never reaches here, the record is gone by then.
    /// </summary>
    public Nfsstat4 RenewClient(ulong clientId)
    {
        lock (_lock)
        {
            ExpireLeases();
            if (!_byId.TryGetValue(clientId, out var client) || !client.Confirmed)
            {
                return Nfsstat4.Nfs4errStaleClientid;
            }
            Renew(client);
            return Nfsstat4.Nfs4Ok;
        }
    }

    /// <summary>
    /// EXCHANGE_ID (RFC 8881 §18.35.5): the five cases of the owner's records — a new owner (new unconfirmed id), a
    /// confirmed owner with the same verifier and principal (its id, CONFIRMED_R), a confirmed owner of another
    /// principal with live state (NFS4ERR_CLID_INUSE), an unconfirmed one (replaced), a restarted client (a new
    /// unconfirmed id; the old record goes when CREATE_SESSION confirms the new). With UPD_CONFIRMED_REC_A, only an
    /// update of a confirmed record: NFS4ERR_NOENT without one, NFS4ERR_NOT_SAME for another verifier, NFS4ERR_PERM
    /// for another principal.
    /// </summary>
    public Nfsstat4 ExchangeId(ReadOnlySpan<byte> owner, ulong verifier, string principal, bool update, out Nfs4Client? client)
    {
        lock (_lock)
        {
            ExpireLeases();
            client = null;
            var confirmed = Find(owner, minorVersion: 1, confirmed: true);
            if (update)
            {
                if (confirmed is null)
                {
                    return Nfsstat4.Nfs4errNoent;
                }
                if (confirmed.Verifier != verifier)
                {
                    return Nfsstat4.Nfs4errNotSame;
                }
                if (confirmed.Principal != principal)
                {
                    return Nfsstat4.Nfs4errPerm;
                }
                client = confirmed;
                Renew(confirmed);
                return Nfsstat4.Nfs4Ok;
            }
            if (confirmed is not null && confirmed.Principal == principal && confirmed.Verifier == verifier)
            {
                client = confirmed;
                Renew(confirmed);
                return Nfsstat4.Nfs4Ok;
            }
            if (confirmed is not null && confirmed.Principal != principal && HasLiveState(confirmed))
            {
                return Nfsstat4.Nfs4errClidInuse;
            }
            var ownerBytes = owner.ToArray();
            RemoveWhere(c => !c.Confirmed && c.MinorVersion == 1 && c.Owner.AsSpan().SequenceEqual(ownerBytes));
            client = new Nfs4Client(NewClientId(), ownerBytes, verifier, principal, minorVersion: 1) { Replaces = confirmed };
            _byId[client.Id] = client;
            Renew(client);
            return Nfsstat4.Nfs4Ok;
        }
    }

    /// <summary>
    /// CREATE_SESSION (RFC 8881 §18.36.4): the client's create-session sequence decides a new request (its last + 1), a
    /// replay (its last: the same reply) or NFS4ERR_SEQ_MISORDERED; a new one confirms an unconfirmed client (dropping the
    /// record it replaces) and makes a session with the channel limits cut to what this server serves.
    /// </summary>
    public Nfsstat4 CreateSession(ulong clientId, uint sequence, string principal, Func<Nfs4Session, CreateSession4Resok> reply, Func<ChannelAttrs4, ChannelAttrs4> foreChannel,
        in ChannelAttrs4 fore, out CreateSession4Resok result)
    {
        lock (_lock)
        {
            ExpireLeases();
            result = default;
            if (!_byId.TryGetValue(clientId, out var client) || client.MinorVersion != 1)
            {
                return Nfsstat4.Nfs4errStaleClientid;
            }
            if (client.Principal != principal)
            {
                return Nfsstat4.Nfs4errClidInuse;
            }
            if (sequence == client.CreateSessionSequence && client.LastCreateSession is { } replay)
            {
                result = replay;
                return Nfsstat4.Nfs4Ok;
            }
            if (sequence != unchecked(client.CreateSessionSequence + 1))
            {
                return Nfsstat4.Nfs4errSeqMisordered;
            }
            if (!client.Confirmed)
            {
                Confirm(client);
            }
            var negotiated = foreChannel(fore);
            var session = new Nfs4Session(NewSessionId(client.Id), client, negotiated);
            _sessions[new SessionKey(session.Id)] = session;
            client.Sessions.Add(session);
            client.CreateSessionSequence = sequence;
            result = reply(session);
            client.LastCreateSession = result;
            Renew(client);
            return Nfsstat4.Nfs4Ok;
        }
    }

    /// <summary>The session with this id, renewing its client's lease (SEQUENCE); null if there is none (NFS4ERR_BADSESSION).</summary>
    public Nfs4Session? FindSession(ReadOnlySpan<byte> sessionId)
    {
        lock (_lock)
        {
            ExpireLeases();
            if (!_sessions.TryGetValue(new SessionKey(sessionId), out var session))
            {
                return null;
            }
            Renew(session.Client);
            return session;
        }
    }

    /// <summary>The confirmed client with this id, or null.</summary>
    public Nfs4Client? Find(ulong clientId)
    {
        lock (_lock)
        {
            return _byId.TryGetValue(clientId, out var client) && client.Confirmed ? client : null;
        }
    }

    /// <summary>DESTROY_SESSION (RFC 8881 §18.37): NFS4ERR_BADSESSION for none.</summary>
    public Nfsstat4 DestroySession(ReadOnlySpan<byte> sessionId)
    {
        lock (_lock)
        {
            if (!_sessions.Remove(new SessionKey(sessionId), out var session))
            {
                return Nfsstat4.Nfs4errBadsession;
            }
            session.Client.Sessions.Remove(session);
            return Nfsstat4.Nfs4Ok;
        }
    }

    /// <summary>DESTROY_CLIENTID (RFC 8881 §18.50.3): NFS4ERR_CLIENTID_BUSY while it has sessions or state (<paramref name="holdsState"/>).</summary>
    public Nfsstat4 DestroyClient(ulong clientId, Func<ulong, bool> holdsState)
    {
        lock (_lock)
        {
            ExpireLeases();
            if (!_byId.TryGetValue(clientId, out var client))
            {
                return Nfsstat4.Nfs4errStaleClientid;
            }
            if (client.Sessions.Count > 0 || holdsState(clientId))
            {
                return Nfsstat4.Nfs4errClientidBusy;
            }
            Remove(client);
            return Nfsstat4.Nfs4Ok;
        }
    }

    /// <summary>This server instance (its start in seconds), in client ids and stateids.</summary>
    public uint Epoch => _epoch;

    /// <summary>A client record is gone (expired, replaced, destroyed): its state goes with it. Raised under the table's lock.</summary>
    public event Action<ulong>? ClientRemoved;

    private Nfs4Client? Find(ReadOnlySpan<byte> owner, uint minorVersion, bool confirmed)
    {
        foreach (var client in _byId.Values)
        {
            if (client.Confirmed == confirmed && client.MinorVersion == minorVersion && client.Owner.AsSpan().SequenceEqual(owner))
            {
                return client;
            }
        }
        return null;
    }

    /// <summary>Whether a confirmed client still counts: its lease runs (its sessions and, later, its opens and locks).</summary>
    private bool HasLiveState(Nfs4Client client) => client.LeaseExpires > _clock.GetUtcNow();

    private void Renew(Nfs4Client client)
    {
        client.LeaseExpires = _clock.GetUtcNow() + _lease;
        if (client.LeaseExpires < _nextExpiry)
        {
            _nextExpiry = client.LeaseExpires;
        }
    }

    /// <summary>
    /// Drops every client whose lease ran out, with its sessions (RFC 7530 §9.6, RFC 8881 §8.3). Every call of a client
    /// comes here, so the clients are only looked through once the earliest expiry can have come: a renewal moves an
    /// expiry only later, so <see cref="_nextExpiry"/> is never later than any client's.
    /// </summary>
    private void ExpireLeases()
    {
        var now = _clock.GetUtcNow();
        if (now < _nextExpiry)
        {
            return;
        }
        _nextExpiry = DateTimeOffset.MaxValue;
        foreach (var client in _byId.Values)
        {
            if (client.LeaseExpires <= now)
            {
                _expired.Add(client);
            }
            else if (client.LeaseExpires < _nextExpiry)
            {
                _nextExpiry = client.LeaseExpires;
            }
        }
        foreach (var client in _expired)
        {
            Remove(client);
        }
        _expired.Clear();
    }

    private void RemoveWhere(Func<Nfs4Client, bool> predicate)
    {
        foreach (var client in _byId.Values.Where(predicate).ToList())
        {
            Remove(client);
        }
    }

    /// <summary>Confirms a client; the client of the same owner it replaces goes (with its record, if it had one).</summary>
    private void Confirm(Nfs4Client client)
    {
        client.Confirmed = true;
        if (client.Replaces is { } old)
        {
            Remove(old);
        }
        client.Replaces = null;
    }

    /// <summary>
    /// Records the client durably before it is granted its first state (RFC 7530 §9.6.3, RFC 8881 §8.4.3): after a restart
    /// the recorded clients, and only they, may reclaim. A client that never opened a file is not recorded, so it does not
    /// make the next start wait out a grace period for it. False when the record could not be written: the caller answers
    /// NFS4ERR_DELAY and grants nothing.
    /// </summary>
    public bool RecordHoldingState(ulong clientId)
    {
        lock (_lock)
        {
            if (!_byId.TryGetValue(clientId, out var client) || client.Recorded || _records is null)
            {
                return true;
            }
            try
            {
                _records.HoldsState(client.MinorVersion, client.Owner);
            }
            catch (IOException)
            {
                return false;
            }
            client.Recorded = true;
            return true;
        }
    }

    private void Remove(Nfs4Client client)
    {
        _byId.Remove(client.Id);
        if (client.Recorded && !_byId.Values.Any(other => other.Recorded && other.MinorVersion == client.MinorVersion && other.Owner.AsSpan().SequenceEqual(client.Owner)))
        {
            _records?.Removed(client.MinorVersion, client.Owner);
        }
        ClientRemoved?.Invoke(client.Id);
        foreach (var session in client.Sessions)
        {
            _sessions.Remove(new SessionKey(session.Id));
        }
        client.Sessions.Clear();
    }

    private ulong NewClientId() => (ulong)_epoch << 32 | ++_nextClient;

    private static ulong NextConfirmVerifier() => BinaryPrimitives.ReadUInt64LittleEndian(Guid.NewGuid().ToByteArray());

    /// <summary>A session id: the client id, this server instance and a counter, so ids are unique across restarts.</summary>
    private byte[] NewSessionId(ulong clientId)
    {
        var id = new byte[Nfs4ProtConstants.Nfs4SessionidSize];
        BinaryPrimitives.WriteUInt64BigEndian(id, clientId);
        BinaryPrimitives.WriteUInt32BigEndian(id.AsSpan(8), _epoch);
        BinaryPrimitives.WriteUInt32BigEndian(id.AsSpan(12), ++_nextSession);
        return id;
    }

    /// <summary>A session id as a dictionary key (by value).</summary>
    private readonly record struct SessionKey(ulong High, ulong Low)
    {
        public SessionKey(ReadOnlySpan<byte> id) : this(
            id.Length == 16 ? BinaryPrimitives.ReadUInt64BigEndian(id) : 0,
            id.Length == 16 ? BinaryPrimitives.ReadUInt64BigEndian(id[8..]) : 0)
        {
        }
    }
}

/// <summary>One client record (RFC 7530 §9.1.1, RFC 8881 §2.4): its owner string, verifier, principal and lease.</summary>
internal sealed class Nfs4Client(ulong id, byte[] owner, ulong verifier, string principal, uint minorVersion)
{
    public ulong Id { get; } = id;
    public byte[] Owner { get; } = owner;
    public ulong Verifier { get; } = verifier;
    public string Principal { get; } = principal;
    public uint MinorVersion { get; } = minorVersion;
    public bool Confirmed { get; set; }

    /// <summary>Whether the client is in the stable records (it was granted state: see <see cref="Nfs4Clients.RecordHoldingState"/>).</summary>
    public bool Recorded { get; set; }
    public ulong ConfirmVerifier { get; set; }
    public DateTimeOffset LeaseExpires { get; set; }

    /// <summary>The confirmed record of the same owner this one replaces once confirmed (a client that restarted).</summary>
    public Nfs4Client? Replaces { get; set; }

    /// <summary>4.0: a SETCLIENTID that only updates this confirmed client's callback, waiting for its confirmation.</summary>
    public Nfs4Client? PendingUpdate { get; set; }

    /// <summary>4.1: the sequence of the last CREATE_SESSION (RFC 8881 §18.35.4: EXCHANGE_ID answers it as eir_sequenceid - 1).</summary>
    public uint CreateSessionSequence { get; set; }

    public CreateSession4Resok? LastCreateSession { get; set; }
    public List<Nfs4Session> Sessions { get; } = [];
    public bool ReclaimComplete { get; set; }
}

/// <summary>
/// A 4.1 session (RFC 8881 §2.10): its fore channel's slots, each with the sequence id of its last request and that
/// request's reply, kept for a retransmission (the reply cache, RFC 8881 §2.10.6.1).
/// </summary>
internal sealed class Nfs4Session(byte[] id, Nfs4Client client, ChannelAttrs4 foreChannel)
{
    public byte[] Id { get; } = id;
    public Nfs4Client Client { get; } = client;
    public ChannelAttrs4 ForeChannel { get; } = foreChannel;
    public Nfs4Slot[] Slots { get; } = Enumerable.Range(0, (int)(uint)foreChannel.CaMaxrequests).Select(_ => new Nfs4Slot()).ToArray();
}

/// <summary>One slot: the last sequence id seen on it, whether a request is running on it, and the reply to keep.</summary>
internal sealed class Nfs4Slot
{
    /// <summary>Held while a request begins or ends on the slot.</summary>
    public Lock Gate { get; } = new();

    public uint SequenceId { get; set; }
    public bool InProgress { get; set; }

    // The whole reply of the last request, encoded, when the client asked to cache it (sa_cachethis): the slot's own
    // buffer, reused from request to request (at most the session's ca_maxresponsesize_cached).
    private byte[] _reply = [];
    private int _replyLength = -1;

    /// <summary>Keeps <paramref name="reply"/> for a retransmission of the request.</summary>
    public void KeepReply(in Compound4Res reply)
    {
        int length = Compound4Res.SizeOf(reply);
        if (_reply.Length < length)
        {
            _reply = new byte[length];
        }
        var writer = new XdrWriter(_reply);
        Compound4Res.Write(ref writer, reply);
        _replyLength = length;
    }

    /// <summary>Whether a reply is kept (the last request asked for caching and was answered).</summary>
    public bool HasReply => _replyLength >= 0;

    /// <summary>The last request's size and operations (see Nfs4Service.RequestShape), to tell its retransmission from a false retry.</summary>
    public int RequestShape { get; set; }

    /// <summary>Forgets the kept reply (a new request began, or its reply is not to be cached).</summary>
    public void ForgetReply() => _replyLength = -1;

    /// <summary>
    /// The kept reply, decoded from a copy of its bytes (a retransmission is rare; the copy is the reply's own while it is
    /// sent, whatever the slot does next); null when none was kept.
    /// </summary>
    public Compound4Res? KeptReply() => _replyLength < 0 ? null : XdrCodec.Decode<Compound4Res>(_reply.AsSpan(0, _replyLength).ToArray());
}
