using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.EndToEnd;

/// <summary>
/// The portmapper on the real port 111: with nothing listening there, dittofs --portmap answers itself and a client
/// given no port options (nfs-ls nfs://127.0.0.1/export) finds NFS and MOUNT; with rpcbind running, dittofs
/// registers with it and unregisters on stop. Port 111 belongs to the whole machine, so each test first checks it
/// can have it, and says why not when it cannot.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PortmapperTests
{
    private const int PortmapPort = 111;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static bool SomethingListensOn111()
    {
        using var probe = new TcpClient();
        try
        {
            probe.Connect(IPAddress.Loopback, PortmapPort);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static void RequirePort111()
    {
        if (!Environment.IsPrivilegedProcess)
            Assert.Ignore("Port 111 needs root (or CAP_NET_BIND_SERVICE); these tests run unprivileged.");
        if (SomethingListensOn111())
            Assert.Ignore("Something already listens on port 111 (rpcbind or another portmapper); this test needs it free.");
    }

    private static async Task<uint> GetPortAsync(uint program, uint version)
    {
        await using var rpc = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, PortmapPort));
        return await new PmapV2Client(rpc).GetportAsync(new Mapping { Prog = program, Vers = version, Prot = 6 }).AsTask().WaitAsync(Timeout);
    }

    /// <summary>The portmapper starts once the NFS port is open, which is all <see cref="DittoFsProcess.Start"/> waits for.</summary>
    private static void WaitForOutput(DittoFsProcess server, string text)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!server.Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"no '{text}' in the output:\n{server.Output}");
            Thread.Sleep(50);
        }
    }

    private static string NfsLs(string url)
    {
        var start = new ProcessStartInfo("nfs-ls", url) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.That(process.WaitForExit(Timeout), Is.True, "nfs-ls finished");
        Assert.That(process.ExitCode, Is.EqualTo(0), $"nfs-ls {url}: {stderr.Result}");
        return stdout.Result;
    }

    [Test]
    public void Without_port_options_nfs_ls_finds_the_server_through_its_own_portmapper()
    {
        RequirePort111();
        using var server = DittoFsProcess.Start("--portmap", "true");
        WaitForOutput(server, "Portmapper listening on 0.0.0.0:111"); // after the NFS port opens
        using (var nfs = LibNfsMount.Connect(server.Port))
            nfs.WriteFile("/found.txt", "via the portmapper\n"u8);

        string listing = NfsLs("nfs://127.0.0.1/export");

        Assert.That(listing, Does.Contain("found.txt"), server.Output);
        Assert.That(server.Terminate(Timeout), Is.EqualTo(0));
        Assert.That(SomethingListensOn111(), Is.False, "port 111 is released on stop");
    }

    [Test]
    public async Task With_rpcbind_running_the_server_registers_with_it_and_unregisters_on_stop()
    {
        RequirePort111();
        string? rpcbind = new[] { "/usr/sbin/rpcbind", "/sbin/rpcbind" }.FirstOrDefault(File.Exists);
        if (rpcbind is null)
            Assert.Ignore("rpcbind is not installed (apt-get install rpcbind)");
        Directory.CreateDirectory("/run/rpcbind");
        using var daemon = Process.Start(new ProcessStartInfo(rpcbind, "-f") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            var deadline = DateTime.UtcNow + Timeout;
            while (!SomethingListensOn111())
            {
                if (daemon.HasExited)
                    Assert.Fail("rpcbind exited: " + daemon.StandardError.ReadToEnd());
                Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "rpcbind did not listen on 111");
                Thread.Sleep(100);
            }

            using var server = DittoFsProcess.Start("--portmap", "true");
            WaitForOutput(server, "Registered 2 program(s) with the portmapper"); // after the NFS port opens
            Assert.That(await GetPortAsync(100003, 3), Is.EqualTo((uint)server.Port), server.Output);
            Assert.That(await GetPortAsync(100005, 3), Is.EqualTo((uint)server.Port));
            Assert.That(NfsLs("nfs://127.0.0.1/export"), Is.Not.Null);

            Assert.That(server.Terminate(Timeout), Is.EqualTo(0));
            Assert.That(await GetPortAsync(100003, 3), Is.Zero, "unregistered on stop");
            Assert.That(await GetPortAsync(100005, 3), Is.Zero);
        }
        finally
        {
            daemon.Kill();
            daemon.WaitForExit(TimeSpan.FromSeconds(10));
        }
    }
}
