using DittoFs.Protocol;
using DittoFs.Server.Tests.Metrics;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Server.Tests;

/// <summary>
/// Whether a start begins a grace period: only when a client may reclaim what it held before it (an NLM host the status
/// monitor watched, an NFSv4 client the records kept), so that a first start, or one after clients left, serves new
/// locks at once.
/// </summary>
public sealed class GracePeriodStartTests
{
    private string _stateDirectory = null!;

    [SetUp]
    public void SetUp() => _stateDirectory = Directory.CreateTempSubdirectory("dittofs-lock-state-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_stateDirectory, recursive: true);

    private DittoFs.Server.Configuration.DittoConfig Config(string gracePeriod = "45s")
    {
        var config = MetricsEndpointTests.MemoryConfig(metrics: false);
        config.Locks.StateDir = _stateDirectory;
        config.Locks.GracePeriod = gracePeriod;
        return config;
    }

    /// <summary>The records an earlier start left: one NFSv4.1 client that held state.</summary>
    private void RecordAnNfs4Client() =>
        File.WriteAllText(Path.Combine(_stateDirectory, "nfs4-clients.json"), """{ "instance": 7, "clients": [ { "minor": 1, "owner": "Y2xpZW50LWE=" } ] }""");

    [Test]
    public async Task A_start_with_no_client_to_reclaim_grants_locks_at_once()
    {
        await using var server = await DittoServer.StartAsync(Config(), NullLoggerFactory.Instance);
        Assert.That(await MetricsEndpointTests.LockRootAsync(server, "host-a"), Is.EqualTo(Nlm4Stats.Nlm4Granted));
    }

    [Test]
    public async Task A_start_after_an_NFSv4_client_held_state_waits_for_it_to_reclaim()
    {
        RecordAnNfs4Client();
        await using var server = await DittoServer.StartAsync(Config(), NullLoggerFactory.Instance);
        Assert.That(await MetricsEndpointTests.LockRootAsync(server, "host-a"), Is.EqualTo(Nlm4Stats.Nlm4DeniedGracePeriod));
        using var records = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_stateDirectory, "nfs4-clients.json")));
        Assert.That(records.RootElement.GetProperty("clients")[0].GetProperty("owner").GetString(), Is.EqualTo("Y2xpZW50LWE="), "kept through the grace period");
        Assert.That(records.RootElement.GetProperty("instance").GetUInt32(), Is.GreaterThan(7u), "this start is counted");
    }

    [Test]
    public async Task With_grace_period_0s_a_start_never_waits()
    {
        RecordAnNfs4Client();
        await using var server = await DittoServer.StartAsync(Config(gracePeriod: "0s"), NullLoggerFactory.Instance);
        Assert.That(await MetricsEndpointTests.LockRootAsync(server, "host-a"), Is.EqualTo(Nlm4Stats.Nlm4Granted));
    }

    [Test]
    public async Task Unreadable_NFSv4_client_records_fail_the_start_naming_the_file_and_the_key()
    {
        File.WriteAllText(Path.Combine(_stateDirectory, "nfs4-clients.json"), "not json");
        var failure = await Assert.CatchAsync(async () => await DittoServer.StartAsync(Config(), NullLoggerFactory.Instance));
        Assert.That(failure, Is.InstanceOf<StartupException>());
        Assert.That(failure!.Message, Does.Contain("nfs4-clients.json").And.Contain("locks.state_dir"));
    }
}
