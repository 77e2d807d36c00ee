using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Rpc;
using static DittoFs.EndToEnd.NlmCalls;

namespace DittoFs.EndToEnd;

/// <summary>
/// The lock manager across a restart of the real process on persistent stores (RocksDB + files, NSM state in the data
/// directory): a client's locks are gone with the process, the client's host (monitored since its first LOCK) is told
/// by SM_NOTIFY, and during the grace period only reclaims are granted; after it, everything is as usual and a late
/// reclaim is denied.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class NlmRestartTests
{
    private static readonly TimeSpan Timeout = NlmCalls.Timeout;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);
    private string _data = null!;

    [SetUp]
    public void CreateDataDirectory() => _data = Directory.CreateTempSubdirectory("dittofs-nlm-restart-").FullName;

    [TearDown]
    public void RemoveDataDirectory() => Directory.Delete(_data, recursive: true);

    private string WriteConfig(int peerPortmapPort, TimeSpan grace)
    {
        string path = Path.Combine(_data, "dittofs.yaml");
        File.WriteAllText(path, $$"""
            locks:
              grace_period: {{(int)grace.TotalSeconds}}s
              state_dir: {{_data}}/nsm
              host_name: ditto-restart
              peer_portmap_port: {{peerPortmapPort}}
            {{ConfiguredServer.OnDiskShare(Path.Combine(_data, "metadata"), Path.Combine(_data, "content"))}}
            """);
        return path;
    }

    [Test]
    public async Task After_a_restart_only_reclaims_are_granted_until_the_grace_period_ends()
    {
        await using var peer = await PeerLockManager.StartAsync();
        byte[] file;
        int stateBefore;
        // The first run has no grace period, so that the client can lock at once.
        using (var server = DittoFsProcess.Start("--config", WriteConfig(peer.PortmapPort, TimeSpan.Zero)))
        {
            file = await CreateFileAsync(server.Port);
            await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", server.Port, Options);
            var nlm = new NlmV4Client(tcp);
            Assert.That(await LockAsync(nlm, Lock(file, "rs-client", 1, 0, 100)), Is.EqualTo(Nlm4Stats.Nlm4Granted), server.Output);
            Assert.That(await LockAsync(nlm, Lock(file, "rs-client", 2, 1000, 0), exclusive: false), Is.EqualTo(Nlm4Stats.Nlm4Granted));
            stateBefore = (await new SmV1Client(tcp).StatAsync(new SmName { MonName = "127.0.0.1"u8.ToArray() }).AsTask().WaitAsync(Timeout)).State;
            Assert.That(server.Terminate(Timeout), Is.EqualTo(0), server.Output);
        }

        using (var server = DittoFsProcess.Start("--config", WriteConfig(peer.PortmapPort, Grace)))
        {
            try
            {
                await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", server.Port, Options);
                await using var udp = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, server.Port), Options);
                var nlm = new NlmV4Client(tcp);
                // In grace: the reclaim is granted, nothing else is, and TEST cannot answer yet.
                Assert.That(await LockAsync(nlm, Lock(file, "rs-client", 1, 0, 100), reclaim: true), Is.EqualTo(Nlm4Stats.Nlm4Granted),
                    "reclaim in grace (if this is denied, the machine took longer than the grace period to get here)");
                Assert.That(await LockAsync(nlm, Lock(file, "rs-other", 3, 500, 10)), Is.EqualTo(Nlm4Stats.Nlm4DeniedGracePeriod));
                Assert.That(await LockAsync(nlm, Lock(file, "rs-other", 3, 500, 10), block: true), Is.EqualTo(Nlm4Stats.Nlm4DeniedGracePeriod));
                Assert.That((await TestAsync(nlm, Lock(file, "rs-other", 3, 500, 10))).Stat, Is.EqualTo(Nlm4Stats.Nlm4DeniedGracePeriod));
                var v3 = await new NlmV3Client(udp).LockAsync(new NlmLockargs
                {
                    Cookie = "v3"u8.ToArray(),
                    Exclusive = true,
                    Alock = new NlmLock { CallerName = "rs-v3"u8.ToArray(), Fh = file, Oh = "rs-v3/4"u8.ToArray(), Svid = 4, LOffset = 600, LLen = 10 },
                }).AsTask().WaitAsync(Timeout);
                Assert.That(v3.Stat.Stat, Is.EqualTo(NlmStats.LckDeniedGracePeriod), "v3's own code");

                // The client's host locked before the restart, so it was monitored, and is told of the restart.
                var notice = await peer.NextNoticeAsync(Timeout);
                Assert.That((notice.MonName, notice.State % 2, IPAddress.IsLoopback(notice.Source)), Is.EqualTo(("ditto-restart", 1, true)), server.Output);
                Assert.That(notice.State, Is.GreaterThan(stateBefore));

                // After grace: new locks are granted as usual (poll: the grace period ends on the server's clock).
                Nlm4Stats status = Nlm4Stats.Nlm4DeniedGracePeriod;
                await PollAsync(async () => (status = await LockAsync(nlm, Lock(file, "rs-other", 3, 500, 10))) != Nlm4Stats.Nlm4DeniedGracePeriod,
                    Grace + Timeout, "the grace period ends");
                Assert.That(status, Is.EqualTo(Nlm4Stats.Nlm4Granted));
                Assert.That(await LockAsync(nlm, Lock(file, "rs-client", 2, 1000, 0), exclusive: false, reclaim: true), Is.EqualTo(Nlm4Stats.Nlm4Denied),
                    "a reclaim after grace is too late");
                Assert.That(await LockAsync(nlm, Lock(file, "rs-other", 3, 50, 10)), Is.EqualTo(Nlm4Stats.Nlm4Denied), "the reclaimed lock is held");
                var holder = await TestAsync(nlm, Lock(file, "rs-other", 3, 0, 0));
                Assert.That((holder.Stat, holder.Holder.Svid, holder.Holder.LOffset, holder.Holder.LLen), Is.EqualTo((Nlm4Stats.Nlm4Denied, 1, 0UL, 100UL)));
                Assert.That(await LockAsync(nlm, Lock(file, "rs-other", 3, 1000, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted), "the lock not reclaimed is gone");
                Assert.That(server.Terminate(Timeout), Is.EqualTo(0), server.Output);
            }
            catch (Exception) when (Dump(server.Output))
            {
                throw;
            }
        }
    }

    /// <summary>
    /// A server stopped while it is still trying peers that never answer (its SM_NOTIFY to a client host monitored
    /// before the restart, a GRANTED to a client's lock manager; each tried for well over half a minute) stops at once
    /// with exit code 0: nothing waits for those calls.
    /// </summary>
    [Test]
    public async Task A_stop_while_notices_and_grants_are_retried_to_silent_peers_is_prompt()
    {
        await using var peer = await PeerLockManager.StartAsync();
        using var silentNsm = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var silentNlm = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        byte[] file;
        using (var server = DittoFsProcess.Start("--config", WriteConfig(peer.PortmapPort, TimeSpan.Zero)))
        {
            file = await CreateFileAsync(server.Port);
            await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", server.Port, Options);
            Assert.That(await LockAsync(new NlmV4Client(tcp), Lock(file, "st-client", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted), server.Output);
            Assert.That(server.Terminate(Timeout), Is.EqualTo(0), server.Output);
        }

        peer.Portmap.Unset(SmV1Program.Program, SmV1Program.Version);
        peer.Portmap.Set(new Mapping { Prog = SmV1Program.Program, Vers = SmV1Program.Version, Prot = 17, Port = (uint)((IPEndPoint)silentNsm.Client.LocalEndPoint!).Port });
        peer.MapNlm(NlmV4Program.Version, ((IPEndPoint)silentNlm.Client.LocalEndPoint!).Port, 0);
        using (var server = DittoFsProcess.Start("--config", WriteConfig(peer.PortmapPort, TimeSpan.Zero)))
        {
            await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", server.Port, Options);
            var nlm = new NlmV4Client(tcp);
            Assert.That(await LockAsync(nlm, Lock(file, "st-holder", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted), server.Output);
            Assert.That(await LockAsync(nlm, Lock(file, "st-waiter", 2, 0, 0), block: true), Is.EqualTo(Nlm4Stats.Nlm4Blocked));
            Assert.That(await UnlockAsync(nlm, Lock(file, "st-holder", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
            await PollAsync(() => Task.FromResult(silentNsm.Available > 0 && silentNlm.Available > 0), Timeout, "the notice and the grant reach the silent peers");

            Assert.That(server.Terminate(TimeSpan.FromSeconds(20)), Is.EqualTo(0), server.Output);
            Assert.That(server.Output, Does.Not.Contain("given up").And.Not.Contain("released: client unreachable"), "stopped before the retries ended");
        }
    }

    private static bool Dump(string output)
    {
        TestContext.Out.WriteLine("dittofs output:\n" + output);
        return false;
    }
}
