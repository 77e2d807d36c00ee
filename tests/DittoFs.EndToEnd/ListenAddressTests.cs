using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.EndToEnd;

/// <summary>
/// Where the real dittofs listens (server.address / --listen, metrics.address): by default on every IPv6 and IPv4
/// address (one dual-stack socket), so the generated client and libnfs reach it over ::1 as over 127.0.0.1; given one
/// address, there only, so a server on 127.0.0.1 refuses connections to the machine's other addresses. Export rules
/// take IPv6 networks, and IPv4 clients seen through the dual-stack socket still match IPv4 networks.
/// </summary>
[TestFixture]
public sealed class ListenAddressTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Whether a TCP connection to <paramref name="address"/>:<paramref name="port"/> is accepted (false: refused).</summary>
    private static bool Accepts(string address, int port)
    {
        var ip = IPAddress.Parse(address);
        using var client = new TcpClient(ip.AddressFamily);
        try
        {
            client.Connect(ip, port);
            return true;
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return false;
        }
    }

    private static async Task<Fattr3> RootAttributesOverAsync(string host, int port)
    {
        await using var session = await NfsSession.MountAsync(port, Timeout, host: host);
        var attributes = await session.Nfs.GetattrAsync(new Getattr3Args { Object = session.Root });
        Assert.That(attributes.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), host);
        return attributes.Resok.ObjAttributes;
    }

    /// <summary>nfs-ls (Debian's libnfs 4.0): it takes an IPv6 address in the URL without brackets (nfs://::1/export).</summary>
    private static (int ExitCode, string Output) NfsLs(string url)
    {
        var start = new ProcessStartInfo("nfs-ls", url) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.That(process.WaitForExit(Timeout), Is.True, "nfs-ls finished");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [Test]
    public async Task By_default_the_metrics_endpoint_answers_over_IPv6_and_IPv4_on_one_port()
    {
        int metricsPort = DittoFsProcess.FreePort();
        using var configured = ConfiguredServer.Start(ConfiguredServer.InMemoryShare, "--metrics-port", metricsPort.ToString());
        using var http = new HttpClient { Timeout = Timeout };

        // 503 ("starting") until the server serves, which may come just after its NFS port opens.
        foreach (string host in new[] { "[::1]", "127.0.0.1" })
            Assert.That(await Healthz.WaitForAsync(http, host, metricsPort, HttpStatusCode.OK, configured.Process.Output), Is.EqualTo("serving\n"), host);
        Assert.That(configured.Process.Output, Does.Contain($"Metrics at http://*:{metricsPort}/metrics"));
    }

    [Test]
    public async Task By_default_the_server_answers_over_IPv6_and_IPv4_on_one_port()
    {
        using var server = DittoFsProcess.Start();
        await using (var session = await NfsSession.MountAsync(server.Port, Timeout, host: "::1"))
            Assert.That((await session.CreateAsync(session.Root, "over-ipv6.txt")).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));

        var overIPv6 = await RootAttributesOverAsync("::1", server.Port);
        var overIPv4 = await RootAttributesOverAsync("127.0.0.1", server.Port);
        var (exitCode, listing) = NfsLs($"nfs://::1/export?version=3&nfsport={server.Port}&mountport={server.Port}");
        var (v4ExitCode, v4Listing) = NfsLs($"nfs://::1/export?version=4&nfsport={server.Port}");

        Assert.That(overIPv6.Fileid, Is.EqualTo(overIPv4.Fileid), "one server, one root");
        Assert.That(exitCode, Is.Zero, listing);
        Assert.That(listing, Does.Contain("over-ipv6.txt"));
        Assert.That(v4ExitCode, Is.Zero, "NFSv4 over IPv6: " + v4Listing);
        Assert.That(v4Listing, Does.Contain("over-ipv6.txt"));
        Assert.That(server.Output, Does.Contain($"DittoFs listening on [::]:{server.Port}"));
        Assert.That(server.Terminate(Timeout), Is.Zero);
    }

    [Test]
    public async Task A_server_on_127_0_0_1_refuses_connections_to_other_local_addresses_its_lock_port_too()
    {
        int nlmPort = DittoFsProcess.FreePort();
        using var configured = ConfiguredServer.Start($"""
            server:
              address: 127.0.0.1
              nlm_port: {nlmPort}
            {ConfiguredServer.InMemoryShare}
            """);
        int port = configured.Port;

        await RootAttributesOverAsync("127.0.0.1", port);
        Assert.That(Accepts("127.0.0.2", port), Is.False, "another loopback address");
        Assert.That(Accepts("::1", port), Is.False, "IPv6 loopback");
        Assert.That(Accepts("127.0.0.1", nlmPort), Is.True, "the lock manager's own port");
        Assert.That(Accepts("127.0.0.2", nlmPort), Is.False, "the lock manager's port is on server.address too");
        await using (var udp = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, port), new RpcClientOptions { CallTimeout = Timeout }))
            await new MountV3Client(udp).NullAsync(); // MOUNT over UDP on the same address
        Assert.That(configured.Process.Output, Does.Contain($"DittoFs listening on 127.0.0.1:{port}"));
    }

    [Test]
    public async Task A_server_on_the_IPv6_loopback_serves_libnfs_there_and_refuses_IPv4()
    {
        using var server = DittoFsProcess.Start("--listen", "::1");

        await RootAttributesOverAsync("::1", server.Port);
        var (exitCode, output) = NfsLs($"nfs://::1/export?version=3&nfsport={server.Port}&mountport={server.Port}");

        Assert.That(exitCode, Is.Zero, output);
        Assert.That(Accepts("127.0.0.1", server.Port), Is.False);
        Assert.That(server.Output, Does.Contain($"DittoFs listening on [::1]:{server.Port}"));
        Assert.That(server.Terminate(Timeout), Is.Zero);
    }

    [Test]
    public async Task Export_rules_take_IPv6_networks_and_IPv4_networks_still_match_IPv4_clients_of_the_dual_stack_socket()
    {
        using var configured = ConfiguredServer.Start("""
            metadata:
              stores:
                meta: { type: memory }
            content:
              stores:
                content: { type: memory }
            shares:
              - { name: /v6, metadata_store: meta, content_store: content, allowed_clients: ["::1"] }
              - { name: /v4, metadata_store: meta, content_store: content, allowed_clients: [127.0.0.0/8] }
              - { name: /ula, metadata_store: meta, content_store: content, allowed_clients: ["fd00::/8"] }
            """);

        async Task<Mountstat3> Mount(string host, string export)
        {
            await using var rpc = await RpcClient.ConnectAsync(host, configured.Port, new RpcClientOptions { CallTimeout = Timeout });
            return (await new MountV3Client(rpc).MntAsync(Encoding.UTF8.GetBytes(export))).FhsStatus;
        }

        Assert.That(await Mount("::1", "/v6"), Is.EqualTo(Mountstat3.Mnt3Ok));
        Assert.That(await Mount("::1", "/v4"), Is.EqualTo(Mountstat3.Mnt3errAcces));
        Assert.That(await Mount("::1", "/ula"), Is.EqualTo(Mountstat3.Mnt3errAcces));
        Assert.That(await Mount("127.0.0.1", "/v4"), Is.EqualTo(Mountstat3.Mnt3Ok), "::ffff:127.0.0.1 on the socket, 127.0.0.1 to the rules");
        Assert.That(await Mount("127.0.0.1", "/v6"), Is.EqualTo(Mountstat3.Mnt3errAcces));
    }

    [TestCase("127.0.0.1", "127.0.0.2", "127.0.0.1")]
    [TestCase("::1", "127.0.0.1", "[::1]")]
    public async Task The_metrics_endpoint_listens_on_metrics_address_only(string address, string elsewhere, string urlHost)
    {
        int metricsPort = DittoFsProcess.FreePort();
        using var configured = ConfiguredServer.Start($"""
            metrics:
              address: "{address}"
            {ConfiguredServer.InMemoryShare}
            """, "--metrics-port", metricsPort.ToString());
        using var http = new HttpClient { Timeout = Timeout };
        await RootAttributesOverAsync("127.0.0.1", configured.Port); // something to count

        using var response = await http.GetAsync($"http://{urlHost}:{metricsPort}/metrics");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), configured.Process.Output);
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("dittofs_"));
        Assert.That(Accepts(elsewhere, metricsPort), Is.False);
        Assert.That(configured.Process.Output, Does.Contain($"Metrics at http://{urlHost}:{metricsPort}/metrics"));
    }
}
