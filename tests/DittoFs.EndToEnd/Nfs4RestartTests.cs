using DittoFs.Protocol;

using static DittoFs.EndToEnd.Nfs4Operations;

namespace DittoFs.EndToEnd;

/// <summary>
/// NFSv4.1 state across a restart of the real process (SIGTERM and SIGKILL) on persistent stores, driven through the
/// generated client (RFC 8881 §8.4.2): the client's session is gone (NFS4ERR_BADSESSION); it makes a new one and
/// reclaims its open (CLAIM_PREVIOUS) and lock in the grace period, while another client's new open waits
/// (NFS4ERR_GRACE); once the only recorded client said RECLAIM_COMPLETE the grace period ends, and the reclaimed lock
/// holds against the other client.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class Nfs4RestartTests
{
    private static readonly TimeSpan Timeout = NlmCalls.Timeout;
    private string _data = null!;

    [SetUp]
    public void CreateDataDirectory() => _data = Directory.CreateTempSubdirectory("dittofs-nfs4-restart-").FullName;

    [TearDown]
    public void RemoveDataDirectory() => Directory.Delete(_data, recursive: true);

    /// <summary>RocksDB + files with the lock state (NSM and NFSv4 client records) under the data directory; a grace period
    /// long enough for a loaded machine, which the test never waits out.</summary>
    private string WriteConfig()
    {
        string path = Path.Combine(_data, "dittofs.yaml");
        File.WriteAllText(path, $"""
            locks:
              grace_period: 120s
              lease_time: 120s
              state_dir: {_data}/lock-state
            {ConfiguredServer.OnDiskShare(Path.Combine(_data, "metadata"), Path.Combine(_data, "content"))}
            """);
        return path;
    }

    [TestCase(false, TestName = "After a SIGTERM restart an NFSv4.1 client reclaims its open and lock in the grace period")]
    [TestCase(true, TestName = "After a SIGKILL restart an NFSv4.1 client reclaims its open and lock in the grace period")]
    public async Task A_client_reclaims_after_a_restart(bool kill)
    {
        string config = WriteConfig();
        byte[] file;
        byte[] oldSession;
        using (var server = DittoFsProcess.Start("--config", config))
        {
            file = await NlmCalls.CreateFileAsync(server.Port);
            await using var client = await Nfs4SessionClient.ConnectAsync(server.Port, "reclaimer");
            await client.ReclaimCompleteAsync();
            var opened = await client.CompoundAsync(PutFh(file), Open(OpenClaimType4.ClaimNull));
            Assert.That(opened.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), server.Output);
            var locked = await client.CompoundAsync(PutFh(file), Lock(OpenStateid(opened), reclaim: false));
            Assert.That(locked.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
            oldSession = client.Session;
            if (kill)
                server.Kill();
            else
                Assert.That(server.Terminate(Timeout), Is.EqualTo(0), server.Output);
        }

        using (var server = DittoFsProcess.Start("--config", config))
        {
            await using var reclaimer = await Nfs4SessionClient.ConnectAsync(server.Port, "reclaimer");
            var stale = await reclaimer.SendAsync(NfsArgop4.FromOpsequence(Nfs4SessionClient.Sequence(oldSession, 1)));
            Assert.That(stale.Status, Is.EqualTo(Nfsstat4.Nfs4errBadsession), server.Output);

            await using var newcomer = await Nfs4SessionClient.ConnectAsync(server.Port, "newcomer");
            await newcomer.ReclaimCompleteAsync();
            Assert.That((await newcomer.CompoundAsync(PutFh(file), Open(OpenClaimType4.ClaimNull))).Status, Is.EqualTo(Nfsstat4.Nfs4errGrace),
                "new opens wait while the recorded client may reclaim");

            var reclaimed = await reclaimer.CompoundAsync(PutFh(file), Open(OpenClaimType4.ClaimPrevious));
            Assert.That(reclaimed.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), server.Output);
            Assert.That((await reclaimer.CompoundAsync(PutFh(file), Lock(OpenStateid(reclaimed), reclaim: true))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
            await reclaimer.ReclaimCompleteAsync();

            // Every recorded client is done and no NLM client may reclaim: the grace period is over.
            var opened = await newcomer.CompoundAsync(PutFh(file), Open(OpenClaimType4.ClaimNull));
            Assert.That(opened.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), server.Output);
            var conflicting = await newcomer.CompoundAsync(PutFh(file), Lock(OpenStateid(opened), reclaim: false));
            Assert.That(conflicting.Status, Is.EqualTo(Nfsstat4.Nfs4errDenied), "the reclaimed lock holds");
            Assert.That(server.Terminate(Timeout), Is.EqualTo(0), server.Output);
        }
    }
}
