using System.IO.Hashing;
using System.Net;

namespace DittoFs.Rpc;

/// <summary>
/// The duplicate request cache: a client that gets no reply retransmits the call with the same xid, on the same
/// connection or a new one. For non-idempotent procedures (CREATE, REMOVE, RENAME, ...) running it twice gives
/// a wrong answer (the second REMOVE says NOENT although the first one worked), so the reply of a completed call
/// is kept and sent again; a retransmission of a call still running is dropped, its reply is on the way.
/// Keyed like Linux nfsd: client address (not port: reconnections change it), xid, program, version, procedure,
/// and a checksum of the arguments, so an xid reused after a client reboot is not mistaken for a retransmission.
/// Bounded: the oldest entries are forgotten first.
/// </summary>
internal sealed class DuplicateRequestCache(int capacity, Func<uint, uint, uint, bool> isNonIdempotent)
{
    private readonly Dictionary<Key, Entry> _entries = new();
    private readonly Queue<Key> _order = new();
    private readonly Lock _gate = new();

    public enum Outcome { New, InProgress, Replay }

    internal readonly record struct Key(IPAddress Client, uint Xid, uint Program, uint Version, uint Procedure, ulong ArgumentsChecksum);

    private sealed class Entry
    {
        public byte[]? Reply;
    }

    public bool Applies(uint program, uint version, uint procedure) => isNonIdempotent(program, version, procedure);

    public static Key KeyOf(IPAddress client, in RpcCallHeader header, ReadOnlySpan<byte> arguments) =>
        new(client, header.Xid, header.Program, header.Version, header.Procedure, XxHash3.HashToUInt64(arguments));

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
            _entries[key] = new Entry();
            _order.Enqueue(key);
            while (_order.Count > capacity && _order.TryDequeue(out var oldest))
                _entries.Remove(oldest);
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
            if (_entries.TryGetValue(key, out var entry))
                entry.Reply = copy;
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
}
