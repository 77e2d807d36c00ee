using System.Net;
using System.Text;
using DittoFs.Nfs.Nsm;
using DittoFs.Protocol;
using DittoFs.Rpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;

namespace DittoFs.Nfs.Tests;

/// <summary>
/// The status monitor on a temporary state directory, through <see cref="NsmService"/> as the RPC server would call it
/// (the caller's address in the context) and through <see cref="IHostMonitor"/> as the lock manager does. Each
/// "restart" disposes the monitor and opens a new one on the same directory.
/// </summary>
[TestFixture]
public sealed class NsmTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 800);
    private static readonly byte[] Priv = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
    private string _directory = null!;
    private readonly List<StatusMonitor> _opened = [];

    [SetUp]
    public void CreateDirectory() => _directory = Path.Combine(Directory.CreateTempSubdirectory("dittofs-nsm-").FullName, "nsm");

    [TearDown]
    public async Task RemoveDirectory()
    {
        foreach (var monitor in _opened)
            await monitor.DisposeAsync();
        _opened.Clear();
        Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);
    }

    private StatusMonitor Open(int maxHosts = 1024, string? directory = "", int stateFloor = 0)
    {
        // Peer calls go to a portmapper port nobody serves, once: these tests look at what is stored and raised.
        var monitor = StatusMonitor.Open(new NsmOptions
        {
            StateDirectory = directory == "" ? _directory : directory,
            HostName = "server.test",
            MaxMonitoredHosts = maxHosts,
            PeerPortmapPort = 9,
            NotifyAttempts = 1,
            CallTimeout = TimeSpan.FromSeconds(1),
            StateFloor = stateFloor,
        }, NullLogger<StatusMonitor>.Instance);
        _opened.Add(monitor);
        return monitor;
    }

    private async Task<StatusMonitor> RestartAsync(StatusMonitor monitor, int maxHosts = 1024)
    {
        await monitor.DisposeAsync();
        _opened.Remove(monitor);
        return Open(maxHosts);
    }

    private static NsmService Service(StatusMonitor monitor) => new(monitor, NullLogger<NsmService>.Instance);

    private static RpcCallContext From(IPAddress address) => new() { Client = new IPEndPoint(address, 700) };

    private static RpcCallContext FromLoopback() => new() { Client = Loopback };

    private static MyId Callback(string name = "127.0.0.1", int procedure = 16) =>
        new() { MyName = Encoding.UTF8.GetBytes(name), MyProg = 100021, MyVers = 4, MyProc = procedure };

    private static Mon Mon(string host, MyId? id = null) =>
        new() { MonId = new MonId { MonName = Encoding.UTF8.GetBytes(host), MyId = id ?? Callback() }, Priv = Priv };

    [Test]
    public async Task The_state_starts_above_the_last_one_a_takeover_sent_in_this_servers_name()
    {
        var monitor = Open();
        Assert.That(monitor.State, Is.EqualTo(1));
        await monitor.DisposeAsync();
        _opened.Remove(monitor);

        Assert.That(Open(stateFloor: 9).State, Is.EqualTo(11));
    }

    [Test]
    public async Task Each_change_of_the_list_is_handed_on_before_it_is_answered_and_a_failure_to_hand_it_on_fails_the_change()
    {
        var monitor = Open();
        var stored = new List<(int State, string[] Hosts)>();
        monitor.ListStored = (state, hosts) => stored.Add((state, hosts.Select(h => $"{h.Name}@{h.Address}").ToArray()));

        await monitor.MonitorAsync("client-1", IPAddress.Parse("192.0.2.1"));

        Assert.That(stored.Single(), Is.EqualTo((1, new[] { "client-1@192.0.2.1" })));
        monitor.ListStored = (_, _) => throw new IOException("the database is away");
        Assert.That(async () => await monitor.MonitorAsync("client-2", IPAddress.Parse("192.0.2.2")), Throws.TypeOf<IOException>());
        Assert.That(monitor.WatchedHosts.Select(h => h.Name), Is.EqualTo(new[] { "client-1" }), "the failed change is not applied");
    }

    [Test]
    public async Task The_state_is_odd_and_raised_to_the_next_odd_number_at_every_start()
    {
        var monitor = Open();
        Assert.That(monitor.State, Is.EqualTo(1), "a fresh directory starts at 1");
        monitor = await RestartAsync(monitor);
        Assert.That(monitor.State, Is.EqualTo(3));
        monitor = await RestartAsync(monitor);
        Assert.That(monitor.State, Is.EqualTo(5));
        Assert.That(File.ReadAllText(Path.Combine(_directory, "state")).Trim(), Is.EqualTo("5"), "stored before the monitor is used");
        Assert.That(Directory.GetFiles(_directory, "*.tmp"), Is.Empty, "written through a temporary file, then renamed");

        await monitor.DisposeAsync();
        _opened.Remove(monitor);
        File.WriteAllText(Path.Combine(_directory, "state"), "8\n"); // even: a peer's (or an older version's) number
        Assert.That(Open().State, Is.EqualTo(9), "raised to the next odd number, never below what was stored");
    }

    [Test]
    public void The_next_odd_number_wraps_to_1_past_int_max() =>
        Assert.That((StatusMonitor.NextOdd(0), StatusMonitor.NextOdd(1), StatusMonitor.NextOdd(6), StatusMonitor.NextOdd(int.MaxValue)), Is.EqualTo((1, 3, 7, 1)));

    [Test]
    public async Task The_monitor_list_survives_a_restart_with_addresses_callbacks_and_priv()
    {
        var monitor = Open();
        await monitor.MonitorAsync("client-a", IPAddress.Parse("10.0.0.5"));
        var reply = await Service(monitor).MonAsync(Mon("127.0.0.1"), FromLoopback());
        Assert.That((reply.ResStat, reply.State), Is.EqualTo((Res.StatSucc, 1)));

        monitor = await RestartAsync(monitor);

        Assert.That(monitor.MonitoredHosts, Is.EquivalentTo(new[] { "client-a", "127.0.0.1" }));
        var a = monitor.Find("client-a")!;
        Assert.That((a.Address, a.Local, a.Registrants.Count), Is.EqualTo((IPAddress.Parse("10.0.0.5"), true, 0)));
        var local = monitor.Find("127.0.0.1")!;
        Assert.That(local.Address, Is.EqualTo(IPAddress.Loopback));
        var registrant = local.Registrants.Single();
        Assert.That((registrant.MyName, registrant.Program, registrant.Version, registrant.Procedure), Is.EqualTo(("127.0.0.1", 100021, 4, 16)));
        Assert.That(registrant.Priv, Is.EqualTo(Priv));
    }

    [Test]
    public async Task Unmonitoring_is_durable_too()
    {
        var monitor = Open();
        await monitor.MonitorAsync("client-a", IPAddress.Parse("10.0.0.5"));
        await monitor.MonitorAsync("client-b", IPAddress.Parse("10.0.0.6"));
        await monitor.UnmonitorAsync("client-a");
        await monitor.UnmonitorAsync("never-watched");
        monitor = await RestartAsync(monitor);
        Assert.That(monitor.MonitoredHosts, Is.EquivalentTo(new[] { "client-b" }));
    }

    [Test]
    public async Task Past_the_cap_monitoring_fails_clearly_and_watched_hosts_stay_watched()
    {
        var monitor = Open(maxHosts: 2);
        var service = Service(monitor);
        await monitor.MonitorAsync("client-a", IPAddress.Parse("10.0.0.5"));
        Assert.That((await service.MonAsync(Mon("127.0.0.1"), FromLoopback())).ResStat, Is.EqualTo(Res.StatSucc));

        Assert.That(async () => await monitor.MonitorAsync("client-c", IPAddress.Parse("10.0.0.7")),
            Throws.InvalidOperationException.With.Message.Contains("2 hosts are monitored already"));
        Assert.That((await service.MonAsync(Mon("127.0.0.2"), FromLoopback())).ResStat, Is.EqualTo(Res.StatFail));
        Assert.That((await service.StatAsync(new SmName { MonName = "127.0.0.2"u8.ToArray() }, FromLoopback())).ResStat, Is.EqualTo(Res.StatFail));
        Assert.That((await service.StatAsync(new SmName { MonName = "client-a"u8.ToArray() }, FromLoopback())).ResStat, Is.EqualTo(Res.StatSucc));
        await monitor.MonitorAsync("client-a", IPAddress.Parse("10.0.0.5")); // again: not a new host
        Assert.That(monitor.MonitoredHosts, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task SM_MON_is_taken_from_this_machine_only()
    {
        var monitor = Open();
        var reply = await Service(monitor).MonAsync(Mon("127.0.0.1"), From(IPAddress.Parse("192.0.2.9")));
        Assert.That(reply.ResStat, Is.EqualTo(Res.StatFail));
        Assert.That(monitor.MonitoredHosts, Is.Empty);
    }

    [Test]
    public async Task SM_NOTIFY_from_the_hosts_address_raises_HostRebooted()
    {
        var monitor = Open();
        await monitor.MonitorAsync("client-a", IPAddress.Parse("10.0.0.5"));
        var reboots = new List<HostReboot>();
        monitor.HostRebooted += reboots.Add;

        await Service(monitor).NotifyAsync(new StatChge { MonName = "client-a"u8.ToArray(), State = 7 }, From(IPAddress.Parse("10.0.0.5")));
        // IPv4 as an IPv4-mapped IPv6 address (a dual-stack socket) is the same host.
        await Service(monitor).NotifyAsync(new StatChge { MonName = "client-a"u8.ToArray(), State = 9 }, From(IPAddress.Parse("::ffff:10.0.0.5")));

        Assert.That(reboots, Is.EqualTo(new[] { new HostReboot("client-a", 7), new HostReboot("client-a", 9) }));
    }

    [Test]
    public async Task SM_NOTIFY_for_a_host_recorded_at_loopback_is_believed_from_any_loopback_address()
    {
        var monitor = Open();
        await monitor.MonitorAsync("here", IPAddress.Loopback);
        var reboots = new List<HostReboot>();
        monitor.HostRebooted += reboots.Add;
        await Service(monitor).NotifyAsync(new StatChge { MonName = "here"u8.ToArray(), State = 3 }, From(IPAddress.IPv6Loopback));
        Assert.That(reboots, Is.EqualTo(new[] { new HostReboot("here", 3) }));
    }

    [Test]
    public async Task Forged_SM_NOTIFY_from_another_address_or_for_an_unknown_host_is_ignored()
    {
        var monitor = Open();
        await monitor.MonitorAsync("client-a", IPAddress.Parse("10.0.0.5"));
        var reboots = new List<HostReboot>();
        monitor.HostRebooted += reboots.Add;
        var service = Service(monitor);

        await service.NotifyAsync(new StatChge { MonName = "client-a"u8.ToArray(), State = 7 }, From(IPAddress.Parse("10.0.0.66")));
        await service.NotifyAsync(new StatChge { MonName = "client-a"u8.ToArray(), State = 7 }, From(IPAddress.Loopback));
        await service.NotifyAsync(new StatChge { MonName = "client-z"u8.ToArray(), State = 7 }, From(IPAddress.Parse("10.0.0.5")));
        await service.NotifyAsync(new StatChge { MonName = "client-a"u8.ToArray(), State = 7 }, new RpcCallContext());

        Assert.That(reboots, Is.Empty);
        Assert.That(monitor.MonitoredHosts, Is.EquivalentTo(new[] { "client-a" }), "a forged notice changes nothing");
    }

    [Test]
    public async Task SM_UNMON_ALL_drops_every_registration_of_that_caller_and_nothing_else()
    {
        var monitor = Open();
        var service = Service(monitor);
        await monitor.MonitorAsync("127.0.0.1", IPAddress.Loopback); // the lock manager watches it too
        await service.MonAsync(Mon("127.0.0.1"), FromLoopback());
        await service.MonAsync(Mon("127.0.0.2"), FromLoopback());
        await service.MonAsync(Mon("127.0.0.3", Callback(procedure: 17)), FromLoopback()); // another my_id

        var reply = await service.UnmonAllAsync(Callback(), FromLoopback());
        Assert.That(reply.State, Is.EqualTo(monitor.State));
        monitor = await RestartAsync(monitor);

        Assert.That(monitor.MonitoredHosts, Is.EquivalentTo(new[] { "127.0.0.1", "127.0.0.3" }));
        Assert.That(monitor.Find("127.0.0.1")!.Registrants, Is.Empty, "still watched for the lock manager, no callback");
        Assert.That(monitor.Find("127.0.0.3")!.Registrants.Single().Procedure, Is.EqualTo(17));
    }

    [Test]
    public async Task SM_UNMON_drops_one_registration()
    {
        var monitor = Open();
        var service = Service(monitor);
        await service.MonAsync(Mon("127.0.0.2"), FromLoopback());
        await service.UnmonAsync(new MonId { MonName = "127.0.0.2"u8.ToArray(), MyId = Callback() }, FromLoopback());
        Assert.That(monitor.MonitoredHosts, Is.Empty);
    }

    [Test]
    public async Task SM_SIMU_CRASH_raises_the_state_durably_as_a_restart_does()
    {
        var monitor = Open();
        await Service(monitor).SimuCrashAsync(FromLoopback());
        Assert.That(monitor.State, Is.EqualTo(3));
        await Service(monitor).SimuCrashAsync(From(IPAddress.Parse("192.0.2.9")));
        Assert.That(monitor.State, Is.EqualTo(3), "not from another machine");
        Assert.That((await Service(monitor).StatAsync(new SmName { MonName = "x"u8.ToArray() }, FromLoopback())).State, Is.EqualTo(3));
        monitor = await RestartAsync(monitor);
        Assert.That(monitor.State, Is.EqualTo(5));
    }

    [Test]
    public void A_damaged_monitor_list_fails_the_start_naming_the_directory()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "monitors.json"), "[{\"name\": 12");
        Assert.That(() => Open(), Throws.TypeOf<IOException>().With.Message.StartsWith($"NSM state directory {_directory}: "));
    }

    [Test]
    public async Task A_host_that_never_answers_is_given_up_after_the_configured_tries()
    {
        var monitor = Open();
        await monitor.MonitorAsync("gone", IPAddress.Loopback);
        await monitor.DisposeAsync();
        _opened.Remove(monitor);
        var log = new FakeLogger<StatusMonitor>();
        // Nothing serves the portmapper port: every try fails at once (port unreachable, connection refused).
        await using var restarted = StatusMonitor.Open(new NsmOptions
        {
            StateDirectory = _directory,
            HostName = "server.test",
            PeerPortmapPort = 9,
            NotifyAttempts = 3,
            NotifyRetryDelay = TimeSpan.FromMilliseconds(10),
            CallTimeout = TimeSpan.FromSeconds(2),
        }, log);

        restarted.NotifyPeers();
        await restarted.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var warnings = log.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning).Select(r => r.Message).ToList();
        Assert.That(warnings, Has.One.EqualTo("NSM: SM_NOTIFY (server.test, state 3) to gone (127.0.0.1) given up after 3 tries"));
    }

    [Test]
    public async Task Without_a_directory_the_state_lives_in_memory()
    {
        var monitor = Open(directory: null);
        await monitor.MonitorAsync("client-a", IPAddress.Parse("10.0.0.5"));
        Assert.That(monitor.State, Is.EqualTo(1));
        Assert.That(Directory.Exists(_directory), Is.False);
    }
}
