using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.Tools.Nfs.Session;

/// <summary>
/// Finds the NFS and MOUNT ports the URL does not name: PMAPPROC_GETPORT (RFC 1833 §3.1, portmapper version 2) for
/// program 100003 / 100005 version 3 over TCP.
/// <para>
/// When the URL names the NFS port but not the MOUNT port, the portmapper's MOUNT port is used only if the
/// portmapper registers NFS on that same port (it then describes the same server). Otherwise (no portmapper, or
/// one describing another server on the machine) MOUNT is asked on the NFS port: servers such as dittofs serve
/// both programs on one port.
/// </para>
/// </summary>
internal static class PortMapper
{
    public const uint NfsProgram = 100003, MountProgram = 100005, Version3 = 3;

    public static async Task<(int Nfs, int Mount)> ResolveAsync(Urls.NfsUrl url, SessionOptions options, CancellationToken cancellationToken)
    {
        int? nfs = url.ExplicitNfsPort;
        int? mount = url.MountPort;
        if (nfs is int n && mount is int m)
            return (n, m);

        RpcClient portmapper;
        try
        {
            portmapper = await RpcClient.ConnectAsync(url.Host, options.PortmapperPort, new RpcClientOptions
            {
                ConnectTimeout = options.ConnectTimeout,
                CallTimeout = options.ConnectTimeout,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is SocketException or TimeoutException && nfs is not null)
        {
            return (nfs.Value, nfs.Value);
        }
        catch (Exception exception) when (exception is SocketException or TimeoutException)
        {
            throw new IOException($"the URL names no nfsport/mountport and the portmapper at {url.Host}:{options.PortmapperPort} is unreachable ({exception.Message})", exception);
        }

        await using (portmapper.ConfigureAwait(false))
        {
            var client = new PmapV2Client(portmapper);
            if (nfs is int named)
            {
                try
                {
                    bool sameServer = await GetPortAsync(client, url, options, NfsProgram, "NFS", cancellationToken).ConfigureAwait(false) == named;
                    int? registeredMount = sameServer ? await GetPortAsync(client, url, options, MountProgram, "MOUNT", cancellationToken).ConfigureAwait(false) : null;
                    return (named, registeredMount ?? named);
                }
                catch (IOException)
                {
                    return (named, named); // a portmapper that does not answer cannot tell us better
                }
            }
            int? registeredNfs = await GetPortAsync(client, url, options, NfsProgram, "NFS", cancellationToken).ConfigureAwait(false);
            int found = registeredNfs
                ?? throw new IOException($"NFS version 3 over TCP is not registered with the portmapper at {url.Host}:{options.PortmapperPort}");
            mount ??= await GetPortAsync(client, url, options, MountProgram, "MOUNT", cancellationToken).ConfigureAwait(false) ?? found;
            return (found, mount.Value);
        }
    }

    /// <summary>The registered TCP port of <paramref name="program"/> version 3, or null if it is not registered.</summary>
    private static async Task<int?> GetPortAsync(PmapV2Client client, Urls.NfsUrl url, SessionOptions options, uint program, string name, CancellationToken cancellationToken)
    {
        uint port;
        try
        {
            port = await client.GetportAsync(new Mapping { Prog = program, Vers = Version3, Prot = PortmapConstants.IpprotoTcp, Port = 0 }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RpcException or TimeoutException)
        {
            throw new IOException($"the portmapper at {url.Host}:{options.PortmapperPort} did not answer GETPORT for {name} ({exception.Message})", exception);
        }
        return port is 0 or > 65535 ? null : (int)port;
    }
}
