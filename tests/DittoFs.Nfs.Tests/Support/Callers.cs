using System.Net;
using DittoFs.Rpc;

namespace DittoFs.Nfs.Tests.Support;

/// <summary>
/// Hand-built RPC call contexts. A new context per call: a reply's memory belongs to its context until that
/// context's next call, as with the RPC layer.
/// </summary>
internal static class Callers
{
    public static readonly IPEndPoint LocalClient = new(IPAddress.Loopback, 800);

    public static RpcCallContext Root(IPEndPoint? client = null) => User(0, 0, client);

    public static RpcCallContext User(uint uid, uint gid, IPEndPoint? client = null, params uint[] groups) => new()
    {
        Client = client ?? LocalClient,
        AuthFlavor = 1,
        Uid = uid,
        Gid = gid,
        Gids = groups,
        GidCount = groups.Length,
        MachineName = "testclient"u8.ToArray(),
    };

    /// <summary>An AUTH_NONE caller (its uid/gid fields are meaningless and set to root to prove they are ignored).</summary>
    public static RpcCallContext AuthNone(IPEndPoint? client = null) => new()
    {
        Client = client ?? LocalClient,
        AuthFlavor = 0,
        Uid = 0,
        Gid = 0,
    };

    public static IPEndPoint Endpoint(string address, int port = 800) => new(IPAddress.Parse(address), port);
}
