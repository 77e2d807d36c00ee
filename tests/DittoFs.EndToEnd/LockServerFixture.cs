namespace DittoFs.EndToEnd;

/// <summary>
/// A real dittofs on in-memory stores with no grace period, whose lock manager finds clients' lock managers through the
/// test's own portmapper (<see cref="PeerLockManager"/>: the test cannot own port 111 on a shared machine, so the
/// server is told where it is, locks.peer_portmap_port). Shows the server's output when a test fails.
/// </summary>
public abstract class LockServerFixture
{
    private protected PeerLockManager Peer { get; private set; } = null!;
    private protected ConfiguredServer Server { get; private set; } = null!;

    /// <summary>Command-line arguments the fixture's server is started with besides its configuration.</summary>
    protected virtual string[] ServerArguments => [];

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        Peer = await PeerLockManager.StartAsync();
        Server = ConfiguredServer.Start($"""
            locks:
              grace_period: 0s
              peer_portmap_port: {Peer.PortmapPort}
            {ConfiguredServer.InMemoryShare}
            """, ServerArguments);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        Server?.Dispose();
        if (Peer is not null)
            await Peer.DisposeAsync();
    }

    [TearDown]
    public void ShowServerOutputOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
            TestContext.Out.WriteLine("dittofs output:\n" + Server.Process.Output);
    }

    private protected Task<byte[]> CreateFileAsync() => NlmCalls.CreateFileAsync(Server.Port);
}
