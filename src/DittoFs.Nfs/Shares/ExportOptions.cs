using System.Net;
using DittoFs.Storage;

namespace DittoFs.Nfs;

/// <summary>
/// How a share is exported (the knobs of Linux exports(5)). Checked at MOUNT and again on every NFS call, because
/// a file handle is not a key: a client can forge or keep one.
/// </summary>
public sealed class ExportOptions
{
    /// <summary>The uid and gid squashed and AUTH_NONE callers get unless configured ("nobody").</summary>
    public const uint NobodyId = AuthContext.NobodyId;

    /// <summary>Every modifying procedure answers NFS3ERR_ROFS; ACCESS never grants MODIFY, EXTEND or DELETE.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>
    /// uid 0 becomes <see cref="AnonymousUid"/> and gid 0 (primary or supplementary) <see cref="AnonymousGid"/>.
    /// On by default, as in Linux exports(5): a client's root is not trusted with the server's files.
    /// </summary>
    public bool RootSquash { get; init; } = true;

    /// <summary>Every caller becomes <see cref="AnonymousUid"/> / <see cref="AnonymousGid"/> with no supplementary groups.</summary>
    public bool AllSquash { get; init; }

    public uint AnonymousUid { get; init; } = NobodyId;
    public uint AnonymousGid { get; init; } = NobodyId;

    /// <summary>Client networks allowed to mount and use the share; empty allows every client.</summary>
    public IReadOnlyList<IPNetwork> AllowedClients { get; init; } = [];

    /// <summary>Credential flavours accepted, in the order MNT advertises them (RFC 1813 §5.2.1 auth_flavors).</summary>
    public IReadOnlyList<AuthFlavor> AllowedAuthFlavors { get; init; } = [AuthFlavor.Sys, AuthFlavor.None];

    /// <summary>
    /// Calls must come from a privileged source port (below 1024), as Linux's "secure" option. Off by default:
    /// unprivileged clients (libnfs as a user, macOS without resvport) would otherwise be refused.
    /// </summary>
    public bool RequireSecurePort { get; init; }

    /// <summary>Whether a call from <paramref name="client"/> with credential <paramref name="flavor"/> may use the share.</summary>
    public bool Allows(IPEndPoint? client, AuthFlavor flavor)
    {
        if (!Contains(AllowedAuthFlavors, flavor))
        {
            return false;
        }
        if (RequireSecurePort && (client is null || client.Port >= 1024))
        {
            return false;
        }
        if (AllowedClients.Count == 0)
        {
            return true;
        }
        if (client is null)
        {
            return false;
        }
        var address = ClientAddress.Normalize(client.Address);
        // Index loops: this runs on every call, and foreach over an interface allocates an enumerator.
        for (int i = 0; i < AllowedClients.Count; i++)
        {
            if (AllowedClients[i].Contains(address))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Contains(IReadOnlyList<AuthFlavor> flavors, AuthFlavor flavor)
    {
        for (int i = 0; i < flavors.Count; i++)
        {
            if (flavors[i] == flavor)
            {
                return true;
            }
        }
        return false;
    }
}
