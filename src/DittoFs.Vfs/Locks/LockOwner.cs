using System.Buffers.Binary;
using System.Text;

namespace DittoFs.Vfs.Locks;

/// <summary>Which protocol's name space a <see cref="LockClient"/> identity comes from.</summary>
/// <remarks>
/// Part of the identity so that an NLM host name and an NFSv4 client id that happen to have the same bytes are
/// two clients: locks of one client never conflict with each other, so a collision would let them overlap.
/// </remarks>
public enum LockClientKind : byte
{
    /// <summary>An NLM/NSM host: the caller_name of its requests, the mon_name of its reboot notice.</summary>
    Nlm = 1,

    /// <summary>An NFSv4 client: its clientid4 (from SETCLIENTID / EXCHANGE_ID).</summary>
    Nfs4 = 2,
}

/// <summary>
/// A client as the lock table knows it: an opaque identity, compared by value. Everything one client holds can be
/// released at once (<see cref="ILockTable.ReleaseClient"/>): an NSM reboot notice or NLM FREE_ALL names the host,
/// an NFSv4 lease expiry names the client id.
/// </summary>
public sealed class LockClient : IEquatable<LockClient>
{
    private readonly byte[] _id;
    private readonly int _hash;

    /// <summary>A client named by <paramref name="id"/> (copied) in the name space of <paramref name="kind"/>.</summary>
    public LockClient(LockClientKind kind, ReadOnlySpan<byte> id)
    {
        Kind = kind;
        _id = id.ToArray();
        var hash = new HashCode();
        hash.Add(kind);
        hash.AddBytes(_id);
        _hash = hash.ToHashCode();
    }

    /// <summary>An NLM host by its caller_name (or the mon_name NSM reports when it reboots).</summary>
    public static LockClient Nlm(string callerName) => new(LockClientKind.Nlm, Encoding.UTF8.GetBytes(callerName));

    /// <summary>An NFSv4 client by its clientid4.</summary>
    public static LockClient Nfs4(ulong clientId)
    {
        Span<byte> id = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(id, clientId);
        return new LockClient(LockClientKind.Nfs4, id);
    }

    public LockClientKind Kind { get; }

    public ReadOnlyMemory<byte> Id => _id;

    public bool Equals(LockClient? other) =>
        other is not null && (ReferenceEquals(this, other) || (_hash == other._hash && Kind == other.Kind && _id.AsSpan().SequenceEqual(other._id)));

    public override bool Equals(object? obj) => Equals(obj as LockClient);

    public override int GetHashCode() => _hash;

    public override string ToString() => Kind switch
    {
        LockClientKind.Nfs4 when _id.Length == 8 => $"nfs4:{BinaryPrimitives.ReadUInt64BigEndian(_id):x16}",
        _ when _id.All(b => b is >= 0x20 and < 0x7F) => $"{Kind.ToString().ToLowerInvariant()}:{Encoding.ASCII.GetString(_id)}",
        _ => $"{Kind.ToString().ToLowerInvariant()}:0x{Convert.ToHexStringLower(_id)}",
    };
}

/// <summary>
/// Who holds a lock: a client and an opaque owner within that client, compared by value. Locks of one owner never
/// conflict with each other, and a new lock of an owner replaces what that owner held in its range (POSIX).
/// <para>
/// How the protocols fill it: NLM names the client by caller_name and the owner by the svid (the process) and the
/// owner handle oh, e.g. <c>new LockOwner(LockClient.Nlm(callerName), svid, oh)</c>; NFSv4 names the client by the
/// lock-owner's clientid and the owner by its opaque owner bytes, <c>new LockOwner(LockClient.Nfs4(clientId),
/// owner)</c>. For share reservations, NLM's owner is oh and NFSv4's is the open-owner.
/// </para>
/// </summary>
public sealed class LockOwner : IEquatable<LockOwner>
{
    private readonly byte[] _owner;
    private readonly int _hash;

    /// <summary>The owner named by <paramref name="owner"/> (copied) within <paramref name="client"/>.</summary>
    public LockOwner(LockClient client, ReadOnlySpan<byte> owner)
        : this(client, 0, owner)
    {
    }

    /// <summary>An owner named by a number (NLM's svid) and opaque bytes (NLM's oh, copied), both part of the
    /// identity; an NLM TEST reply gives both back as the holder's.</summary>
    public LockOwner(LockClient client, uint number, ReadOnlySpan<byte> owner)
    {
        ArgumentNullException.ThrowIfNull(client);
        Client = client;
        Number = number;
        _owner = owner.ToArray();
        var hash = new HashCode();
        hash.Add(client);
        hash.Add(number);
        hash.AddBytes(_owner);
        _hash = hash.ToHashCode();
    }

    public LockClient Client { get; }

    /// <summary>NLM's svid (the locking process); 0 for an owner named by bytes alone.</summary>
    public uint Number { get; }

    public ReadOnlyMemory<byte> Owner => _owner;

    public bool Equals(LockOwner? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (_hash == other._hash && Number == other.Number && Client.Equals(other.Client) && _owner.AsSpan().SequenceEqual(other._owner)));

    public override bool Equals(object? obj) => Equals(obj as LockOwner);

    public override int GetHashCode() => _hash;

    public override string ToString() => $"{Client}/{Number}/0x{Convert.ToHexStringLower(_owner)}";
}
