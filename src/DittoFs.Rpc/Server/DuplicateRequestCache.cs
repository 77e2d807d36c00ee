using System.IO.Hashing;
using System.Net;

namespace DittoFs.Rpc;

/// <summary>
/// The duplicate request cache: a client that gets no reply retransmits the call with the same xid, on the same
/// connection or a new one, or (UDP) in a new datagram. For non-idempotent procedures (CREATE, REMOVE, RENAME, a lock
/// request, ...) running it twice gives a wrong answer (the second REMOVE says NOENT although the first one worked), so
/// the reply of a completed call is kept and sent again; a retransmission of a call still running is dropped, its reply
/// is on the way.
/// <para>
/// Keyed like Linux nfsd: client address, xid, program, version, procedure, and a checksum of the arguments, so an xid
/// reused after a client reboot is not mistaken for a retransmission. Over TCP the client's port is left out
/// (reconnections change it); over UDP it is part of the key (<paramref name="keyByPort"/>), since a UDP client
/// retransmits from the port it first sent from and different processes on one host keep their own xid sequences.
/// </para>
/// <para>
/// Bounded by entries (<paramref name="capacity"/>) and by the bytes of the replies it keeps
/// (<paramref name="maxBytes"/>): the oldest entries are forgotten first. A forgotten call that is retransmitted runs
/// again, which is what a server without the cache would do.
/// </para>
/// </summary>
internal sealed class DuplicateRequestCache(int capacity, long maxBytes, bool keyByPort, Func<uint, uint, uint, bool> isNonIdempotent)
{
    private readonly Dictionary<Key, Entry> _entries = new();
    private readonly Queue<(Key Key, Entry Entry)> _order = new();
    private readonly Lock _gate = new();
    private long _bytes;

    public enum Outcome { New, InProgress, Replay }

    internal readonly record struct Key(IPAddress Client, int Port, uint Xid, uint Program, uint Version, uint Procedure, ulong ArgumentsChecksum);

    private sealed class Entry
    {
        public byte[]? Reply;
    }

    /// <summary>Entries held (running calls and kept replies).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
                return _entries.Count;
        }
    }

    /// <summary>Bytes of the replies held.</summary>
    public long Bytes
    {
        get
        {
            lock (_gate)
                return _bytes;
        }
    }

    public bool Applies(uint program, uint version, uint procedure) => isNonIdempotent(program, version, procedure);

    public Key KeyOf(IPEndPoint client, in RpcCallHeader header, ReadOnlySpan<byte> arguments) =>
        new(client.Address, keyByPort ? client.Port : 0, header.Xid, header.Program, header.Version, header.Procedure, XxHash3.HashToUInt64(arguments));

    /// <summary>Registers a call; a known one is either still running or has its reply in <paramref name="reply"/>.</summary>
    public Outcome Begin(in Key key, out byte[]? reply)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var known))
            {
                reply = known.Reply;
                return reply is null ? Outcome.InProgress : Outcome.Replay;
            }
            var entry = new Entry();
            _entries[key] = entry;
            _order.Enqueue((key, entry));
            while (_order.Count > capacity)
                ForgetOldest();
            reply = null;
            return Outcome.New;
        }
    }

    /// <summary>Keeps a copy of the reply (record mark included) for retransmissions.</summary>
    public void Complete(in Key key, ReadOnlySpan<byte> reply)
    {
        var copy = reply.ToArray();
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry) || entry.Reply is not null)
                return;
            entry.Reply = copy;
            _bytes += copy.Length;
            while (_bytes > maxBytes && _order.Count > 0)
                ForgetOldest();
        }
    }

    /// <summary>Forgets a call that ended without a reply, so a retransmission runs it.</summary>
    public void Abandon(in Key key)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.Reply is null)
                _entries.Remove(key);
        }
    }

    private void ForgetOldest()
    {
        var (key, entry) = _order.Dequeue();
        // The key may have been abandoned and begun again since: only the entry queued here is forgotten.
        if (_entries.TryGetValue(key, out var current) && ReferenceEquals(current, entry))
        {
            _entries.Remove(key);
            _bytes -= entry.Reply?.Length ?? 0;
        }
    }
}
