using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.EndToEnd;

/// <summary>
/// The portmapper on the real port 111: with nothing listening there, dittofs --portmap answers itself and a client
/// given no port options (nfs-ls nfs://127.0.0.1/export) finds NFS and MOUNT; with rpcbind running, dittofs
/// registers with it and unregisters on stop. rpcinfo (from Debian's rpcbind package, a client none of us wrote) lists
/// the mappings, UDP rows included, and reaches MOUNT over UDP through them, over IPv6 too. Port 111 belongs to the whole machine, so each test first checks it
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

    private static async Task<uint> GetPortAsync(uint program, uint version, uint protocol = 6)
    {
        await using var rpc = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, PortmapPort));
        return await new PmapV2Client(rpc).GetportAsync(new Mapping { Prog = program, Vers = version, Prot = protocol }).AsTask().WaitAsync(Timeout);
    }

    /// <summary>rpcinfo (Debian's rpcbind package): exit code and everything it printed.</summary>
    private static (int ExitCode, string Output) Rpcinfo(params string[] arguments)
    {
        string? rpcinfo = new[] { "/usr/sbin/rpcinfo", "/usr/bin/rpcinfo", "/sbin/rpcinfo" }.FirstOrDefault(File.Exists);
        if (rpcinfo is null)
            Assert.Ignore("rpcinfo is not installed (apt-get install rpcbind)");
        var start = new ProcessStartInfo(rpcinfo!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.That(process.WaitForExit(Timeout), Is.True, "rpcinfo finished");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>rpcinfo's exit code and its answer on one line: "0: program 100021 version 4 ready and waiting".</summary>
    private static string Ready(params string[] arguments)
    {
        var (exitCode, output) = Rpcinfo(arguments);
        return $"{exitCode}: {output.Trim()}";
    }

    /// <summary>The rows of rpcinfo -p: program, version, protocol, port.</summary>
    private static List<(uint Program, uint Version, string Protocol, int Port)> RpcinfoRows(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 4 && uint.TryParse(fields[0], out _))
            .Select(fields => (uint.Parse(fields[0]), uint.Parse(fields[1]), fields[2], int.Parse(fields[3])))
            .ToList();

    [Test]
    public void Rpcinfo_lists_udp_rows_and_reaches_mount_over_udp_through_our_portmapper()
    {
        RequirePort111();
        using var server = DittoFsProcess.Start("--portmap", "true");
        WaitForOutput(server, "Portmapper listening on [::]:111");

        var (listed, table) = Rpcinfo("-p", "127.0.0.1");
        var (mountExit, mount) = Rpcinfo("-u", "127.0.0.1", "100005", "3");
        var (nfsExit, nfs) = Rpcinfo("-u", "127.0.0.1", "100003", "3");

        Assert.That(listed, Is.Zero, table);
        Assert.That(RpcinfoRows(table), Is.EquivalentTo(new[]
        {
            (100000u, 2u, "tcp", 111),
            (100000u, 3u, "tcp", 111),
            (100000u, 4u, "tcp", 111),
            (100000u, 2u, "udp", 111),
            (100000u, 3u, "udp", 111),
            (100000u, 4u, "udp", 111),
            (100003u, 3u, "tcp", server.Port),
            (100003u, 4u, "tcp", server.Port),
            (100005u, 3u, "tcp", server.Port),
            (100005u, 3u, "udp", server.Port),
            (100021u, 1u, "tcp", server.Port),
            (100021u, 3u, "tcp", server.Port),
            (100021u, 4u, "tcp", server.Port),
            (100021u, 1u, "udp", server.Port),
            (100021u, 3u, "udp", server.Port),
            (100021u, 4u, "udp", server.Port),
            (100024u, 1u, "tcp", server.Port),
            (100024u, 1u, "udp", server.Port),
        }), table);
        Assert.That((mountExit, mount.Trim()), Is.EqualTo((0, "program 100005 version 3 ready and waiting")), server.Output);
        Assert.That(nfsExit, Is.Not.Zero, "NFS is not registered for UDP");
        Assert.That(nfs, Does.Contain("not registered"));
        Assert.That(server.Terminate(Timeout), Is.EqualTo(0));
    }

    [Test]
    public async Task Rpcinfo_lists_nlm_and_nsm_at_their_own_ports_where_they_answer_and_the_nfs_port_does_not()
    {
        RequirePort111();
        int nlmPort = DittoFsProcess.FreePort(), nsmPort = DittoFsProcess.FreePort();
        using var configured = ConfiguredServer.Start($"""
            server:
              nlm_port: {nlmPort}
              nsm_port: {nsmPort}
            locks:
              grace_period: 0s
            {ConfiguredServer.InMemoryShare}
            """, "--portmap", "true");
        var server = configured.Process;
        WaitForOutput(server, "Portmapper listening on [::]:111");

        var (listed, table) = Rpcinfo("-p", "127.0.0.1");
        Assert.That(listed, Is.Zero, table);
        Assert.That(RpcinfoRows(table), Is.EquivalentTo(new[]
        {
            (100000u, 2u, "tcp", 111),
            (100000u, 3u, "tcp", 111),
            (100000u, 4u, "tcp", 111),
            (100000u, 2u, "udp", 111),
            (100000u, 3u, "udp", 111),
            (100000u, 4u, "udp", 111),
            (100003u, 3u, "tcp", server.Port),
            (100003u, 4u, "tcp", server.Port),
            (100005u, 3u, "tcp", server.Port),
            (100005u, 3u, "udp", server.Port),
            (100021u, 1u, "tcp", nlmPort),
            (100021u, 3u, "tcp", nlmPort),
            (100021u, 4u, "tcp", nlmPort),
            (100021u, 1u, "udp", nlmPort),
            (100021u, 3u, "udp", nlmPort),
            (100021u, 4u, "udp", nlmPort),
            (100024u, 1u, "tcp", nsmPort),
            (100024u, 1u, "udp", nsmPort),
        }), table);
        // rpcinfo finds each through the portmapper and calls it there.
        Assert.That(Ready("-u", "127.0.0.1", "100021", "4"), Is.EqualTo("0: program 100021 version 4 ready and waiting"), server.Output);
        Assert.That(Ready("-t", "127.0.0.1", "100021", "1"), Is.EqualTo("0: program 100021 version 1 ready and waiting"));
        Assert.That(Ready("-u", "127.0.0.1", "100024", "1"), Is.EqualTo("0: program 100024 version 1 ready and waiting"));
        Assert.That(Ready("-t", "127.0.0.1", "100024", "1"), Is.EqualTo("0: program 100024 version 1 ready and waiting"));

        // The generated client at the port the portmapper gave: TEST and LOCK; the NFS port has no NLM any more.
        Assert.That(await GetPortAsync(100021, 4), Is.EqualTo((uint)nlmPort));
        byte[] file = await NlmCalls.CreateFileAsync(server.Port);
        await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", nlmPort, NlmCalls.Options);
        var nlm = new NlmV4Client(tcp);
        Assert.That(await NlmCalls.LockAsync(nlm, NlmCalls.Lock(file, "own-port", 1, 0, 10)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        var holder = await NlmCalls.TestAsync(nlm, NlmCalls.Lock(file, "other", 2, 5, 1));
        Assert.That((holder.Stat, holder.Holder.Svid), Is.EqualTo((Nlm4Stats.Nlm4Denied, 1)));
        await using var nfsPort = await RpcClient.ConnectAsync("127.0.0.1", server.Port, NlmCalls.Options);
        var unavailable = await Assert.ThrowsAsync<RpcException>(async () => await NlmCalls.TestAsync(new NlmV4Client(nfsPort), NlmCalls.Lock(file, "other", 2, 5, 1)));
        Assert.That(unavailable!.AcceptStatus, Is.EqualTo(AcceptStat.ProgUnavail), "NLM is not served on the NFS port");
        Assert.That(server.Terminate(Timeout), Is.EqualTo(0));
    }

    [Test]
    public async Task With_udp_off_nothing_answers_over_udp_not_even_the_portmapper()
    {
        RequirePort111();
        using var server = DittoFsProcess.Start("--portmap", "true", "--udp", "false");
        WaitForOutput(server, "Portmapper listening on [::]:111 (TCP)");

        await using var rpc = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, PortmapPort));
        var mappings = (await new PmapV2Client(rpc).DumpAsync().AsTask().WaitAsync(Timeout)).ToArray();
        // rpcinfo asks the portmapper over UDP, so with UDP off it cannot get as far as MOUNT.
        var (mountExit, mount) = Rpcinfo("-u", "127.0.0.1", "100005", "3");

        Assert.That(mappings.Select(entry => entry.Map.Prot), Is.All.EqualTo(6u), "TCP rows only");
        Assert.That(mountExit, Is.Not.Zero, mount);
        Assert.That(server.Terminate(Timeout), Is.EqualTo(0));
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
        WaitForOutput(server, "Portmapper listening on [::]:111"); // after the NFS port opens
        using (var nfs = LibNfsMount.Connect(server.Port))
            nfs.WriteFile("/found.txt", "via the portmapper\n"u8);

        string listing = NfsLs("nfs://127.0.0.1/export");

        Assert.That(listing, Does.Contain("found.txt"), server.Output);
        Assert.That(server.Terminate(Timeout), Is.EqualTo(0));
        Assert.That(SomethingListensOn111(), Is.False, "port 111 is released on stop");
    }

    [Test]
    public void Rpcinfo_and_libnfs_find_the_server_over_IPv6_through_our_own_portmapper()
    {
        RequirePort111();
        using var server = DittoFsProcess.Start("--portmap", "true");
        WaitForOutput(server, "Portmapper listening on [::]:111");

        // rpcinfo -T asks rpcbind version 4 (then 3) GETADDR for the netid and calls NULL at the address it gets.
        Assert.That(Ready("-T", "tcp6", "::1", "100003", "3"), Is.EqualTo("0: program 100003 version 3 ready and waiting"), server.Output);
        Assert.That(Ready("-T", "udp6", "::1", "100005", "3"), Is.EqualTo("0: program 100005 version 3 ready and waiting"));
        Assert.That(Ready("-T", "tcp", "127.0.0.1", "100021", "4"), Is.EqualTo("0: program 100021 version 4 ready and waiting"));
        var (dumped, dump) = Rpcinfo("::1"); // rpcbind DUMP: every netid
        Assert.That(dumped, Is.Zero, dump);
        Assert.That(RpcbindRows(dump), Has.Member((100003u, 3u, "tcp6", server.Port)).And.Member((100003u, 3u, "tcp", server.Port))
            .And.Member((100005u, 3u, "udp6", server.Port)).And.Member((100000u, 4u, "tcp6", PortmapPort)), dump);
        Assert.That(NfsLs("nfs://::1/export"), Is.Not.Null, "libnfs asks our portmapper over IPv6");
        Assert.That(server.Terminate(Timeout), Is.EqualTo(0));
    }

    /// <summary>Debian's rpcbind in the foreground on port 111, killed when disposed.</summary>
    private sealed class Rpcbind : IDisposable
    {
        private readonly Process _daemon;

        private Rpcbind(Process daemon) => _daemon = daemon;

        public static Rpcbind Start()
        {
            string? rpcbind = new[] { "/usr/sbin/rpcbind", "/sbin/rpcbind" }.FirstOrDefault(File.Exists);
            if (rpcbind is null)
                Assert.Ignore("rpcbind is not installed (apt-get install rpcbind)");
            Directory.CreateDirectory("/run/rpcbind");
            var started = new Rpcbind(Process.Start(new ProcessStartInfo(rpcbind!, "-f") { RedirectStandardOutput = true, RedirectStandardError = true })!);
            var deadline = DateTime.UtcNow + Timeout;
            while (!SomethingListensOn111())
            {
                if (started._daemon.HasExited)
                    Assert.Fail("rpcbind exited: " + started._daemon.StandardError.ReadToEnd());
                if (DateTime.UtcNow > deadline)
                {
                    started.Dispose();
                    Assert.Fail("rpcbind did not listen on 111");
                }
                Thread.Sleep(100);
            }
            return started;
        }

        public void Dispose()
        {
            _daemon.Kill();
            _daemon.WaitForExit(TimeSpan.FromSeconds(10));
            _daemon.Dispose();
        }
    }

    /// <summary>The IP rows of rpcinfo's rpcbind dump (versions 3/4: every netid): program, version, netid, port of the universal address.</summary>
    private static List<(uint Program, uint Version, string Netid, int Port)> RpcbindRows(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 4 && uint.TryParse(fields[0], out _) && fields[2] is "tcp" or "udp" or "tcp6" or "udp6") // not rpcbind's "local" (a socket path)
            .Select(fields => (uint.Parse(fields[0]), uint.Parse(fields[1]), fields[2], PortOf(fields[3])))
            .ToList();

    /// <summary>The port of a universal address: its last two parts are the port's bytes ("::.8.1" is 2049).</summary>
    private static int PortOf(string universalAddress)
    {
        var parts = universalAddress.Split('.');
        return int.Parse(parts[^2]) << 8 | int.Parse(parts[^1]);
    }

    /// <summary>Our rows in rpcbind's dump (programs other than rpcbind's own 100000).</summary>
    private static List<(uint Program, uint Version, string Netid, int Port)> OurRows()
    {
        var (exitCode, dump) = Rpcinfo("127.0.0.1");
        Assert.That(exitCode, Is.Zero, dump);
        return RpcbindRows(dump).Where(row => row.Program != 100000).ToList();
    }

    [Test]
    public async Task With_rpcbind_running_the_server_registers_with_it_for_IPv4_and_IPv6_and_unregisters_on_stop()
    {
        RequirePort111();
        using var rpcbind = Rpcbind.Start();

        using var server = DittoFsProcess.Start("--portmap", "true");
        WaitForOutput(server, "Registered 24 program(s) with the portmapper"); // after the NFS port opens
        Assert.That(await GetPortAsync(100003, 3), Is.EqualTo((uint)server.Port), server.Output);
        Assert.That(await GetPortAsync(100003, 4), Is.EqualTo((uint)server.Port), "NFSv4");
        Assert.That(await GetPortAsync(100005, 3), Is.EqualTo((uint)server.Port));
        Assert.That(await GetPortAsync(100005, 3, protocol: 17), Is.EqualTo((uint)server.Port), "MOUNT over UDP");
        Assert.That(await GetPortAsync(100003, 3, protocol: 17), Is.Zero, "NFS is TCP-only");
        Assert.That(await GetPortAsync(100024, 1), Is.EqualTo((uint)server.Port), "NSM over TCP");
        Assert.That(await GetPortAsync(100024, 1, protocol: 17), Is.EqualTo((uint)server.Port), "NSM over UDP");
        Assert.That(await GetPortAsync(100021, 4, protocol: 17), Is.EqualTo((uint)server.Port), "NLM v4 over UDP");
        Assert.That(await GetPortAsync(100021, 1), Is.EqualTo((uint)server.Port), "NLM v1 over TCP");
        var rows = OurRows();
        Assert.That(rows.Where(row => row.Netid is "tcp6" or "udp6").Select(row => (row.Program, row.Version, row.Netid)), Is.EquivalentTo(
            rows.Where(row => row.Netid is "tcp" or "udp").Select(row => (row.Program, row.Version, row.Netid + "6"))), "every row for IPv6 too");
        Assert.That(rows, Has.Count.EqualTo(24).And.All.Matches<(uint, uint, string, int Port)>(row => row.Port == server.Port));
        var (mountExit, mount) = Rpcinfo("-u", "127.0.0.1", "100005", "3"); // found through rpcbind, called over UDP
        Assert.That((mountExit, mount.Trim()), Is.EqualTo((0, "program 100005 version 3 ready and waiting")), server.Output);
        Assert.That(Ready("-T", "tcp6", "::1", "100005", "3"), Is.EqualTo("0: program 100005 version 3 ready and waiting"), "found through rpcbind over IPv6");
        Assert.That(Ready("-T", "udp6", "::1", "100021", "4"), Is.EqualTo("0: program 100021 version 4 ready and waiting"));
        Assert.That(NfsLs("nfs://127.0.0.1/export"), Is.Not.Null);
        Assert.That(NfsLs("nfs://::1/export"), Is.Not.Null, "libnfs asks rpcbind over IPv6 (version 3 GETADDR)");

        Assert.That(server.Terminate(Timeout), Is.EqualTo(0));
        Assert.That(await GetPortAsync(100003, 3), Is.Zero, "unregistered on stop");
        Assert.That(await GetPortAsync(100003, 4), Is.Zero);
        Assert.That(await GetPortAsync(100005, 3), Is.Zero);
        Assert.That(OurRows(), Is.Empty, "the IPv6 rows too");
    }

    [TestCase("127.0.0.1", "tcp")]
    [TestCase("::1", "tcp6")]
    public void With_rpcbind_running_a_server_on_one_address_registers_that_family_only(string address, string netid)
    {
        RequirePort111();
        using var rpcbind = Rpcbind.Start();

        using var server = DittoFsProcess.Start("--portmap", "true", "--listen", address);
        WaitForOutput(server, "Registered 12 program(s) with the portmapper");

        var rows = OurRows();
        Assert.That(rows.Select(row => row.Netid).Distinct(), Is.EquivalentTo(new[] { netid, netid.Replace("tcp", "udp") }), server.Output);
        Assert.That(rows.Where(row => row.Program == 100003).Select(row => (row.Version, row.Netid, row.Port)),
            Is.EquivalentTo(new[] { (3u, netid, server.Port), (4u, netid, server.Port) }));
        Assert.That(server.Terminate(Timeout), Is.EqualTo(0));
        Assert.That(OurRows(), Is.Empty);
    }
}
