using System.Net;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;

namespace DittoFs.Nfs.Nlm;

/// <summary>
/// How the lock manager reaches a client's lock manager for its calls back (NLM_GRANTED, the *_RES answers to
/// *_MSG calls): a call transport to NLM <paramref name="version"/> on <paramref name="host"/>. The transport is
/// disposed (when it is <see cref="IAsyncDisposable"/>) after the one call it was opened for.
/// </summary>
public interface INlmPeerDialer
{
    ValueTask<IXdrCallTransport> ConnectAsync(IPAddress host, uint version, CancellationToken cancellationToken);
}

/// <summary>
/// Finds a client's lock manager through the portmapper on the client's host (PMAPPROC_GETPORT for 100021 and the
/// version, UDP first, as clients' lock managers answer callbacks there, then TCP) and opens a UDP or TCP client to
/// it. Each call is bounded by <see cref="CallTimeout"/>; the UDP client retransmits within it.
/// </summary>
public sealed class PortmapNlmPeerDialer(int portmapPort = PortmapNlmPeerDialer.StandardPortmapPort, TimeSpan? callTimeout = null) : INlmPeerDialer
{
    public const int StandardPortmapPort = 111;
    private const uint Udp = 17;
    private const uint Tcp = 6;

    /// <summary>The bound on each portmapper and callback call.</summary>
    public TimeSpan CallTimeout { get; } = callTimeout ?? TimeSpan.FromSeconds(5);

    public async ValueTask<IXdrCallTransport> ConnectAsync(IPAddress host, uint version, CancellationToken cancellationToken)
    {
        var options = new RpcClientOptions { CallTimeout = CallTimeout, RetransmitInterval = TimeSpan.FromMilliseconds(500), ConnectTimeout = CallTimeout };
        uint udpPort, tcpPort = 0;
        await using (var portmap = RpcUdpClient.Create(new IPEndPoint(host, portmapPort), options))
        {
            var pmap = new PmapV2Client(portmap);
            udpPort = await pmap.GetportAsync(new Mapping { Prog = NlmV4Program.Program, Vers = version, Prot = Udp }, cancellationToken).ConfigureAwait(false);
            if (udpPort == 0)
                tcpPort = await pmap.GetportAsync(new Mapping { Prog = NlmV4Program.Program, Vers = version, Prot = Tcp }, cancellationToken).ConfigureAwait(false);
        }
        if (udpPort is > 0 and <= ushort.MaxValue)
            return RpcUdpClient.Create(new IPEndPoint(host, (int)udpPort), options);
        if (tcpPort is > 0 and <= ushort.MaxValue)
            return await RpcClient.ConnectAsync(new IPEndPoint(host, (int)tcpPort), options, cancellationToken).ConfigureAwait(false);
        throw new IOException($"The portmapper on {host} knows no NLM version {version}.");
    }
}
