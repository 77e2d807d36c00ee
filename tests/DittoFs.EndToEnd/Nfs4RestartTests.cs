using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;
using Attr = DittoFs.Protocol.Nfs4ProtConstants;

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
        File.WriteAllText(path, $$"""
            locks:
              grace_period: 120s
              lease_time: 120s
              state_dir: {{_data}}/lock-state
            metadata:
              stores:
                meta: { type: rocksdb, rocksdb: { db_path: {{_data}}/metadata } }
            content:
              stores:
                content: { type: filesystem, filesystem: { path: {{_data}}/content } }
            shares:
              - name: /export
                metadata_store: meta
                content_store: content
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
            await using var client = await SessionClient.ConnectAsync(server.Port, "reclaimer");
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
            await using var reclaimer = await SessionClient.ConnectAsync(server.Port, "reclaimer");
            var stale = await reclaimer.SendAsync(NfsArgop4.FromOpsequence(Sequence(oldSession, 1)));
            Assert.That(stale.Status, Is.EqualTo(Nfsstat4.Nfs4errBadsession), server.Output);

            await using var newcomer = await SessionClient.ConnectAsync(server.Port, "newcomer");
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

    private static NfsArgop4 PutFh(byte[] handle) => NfsArgop4.FromOpputfh(new Putfh4Args { Object = handle });

    private static NfsArgop4 Open(OpenClaimType4 claim) => NfsArgop4.FromOpopen(new Open4Args
    {
        ShareAccess = Attr.Open4ShareAccessBoth,
        ShareDeny = Attr.Open4ShareDenyNone,
        Owner = new StateOwner4 { Owner = "open-owner"u8.ToArray() },
        Openhow = new Openflag4 { Opentype = Opentype4.Open4Nocreate },
        Claim = claim == OpenClaimType4.ClaimPrevious
            ? new OpenClaim4 { Claim = claim, DelegateType = OpenDelegationType4.OpenDelegateNone }
            : new OpenClaim4 { Claim = OpenClaimType4.ClaimFh },
    });

    private static NfsArgop4 Lock(Stateid4 open, bool reclaim) => NfsArgop4.FromOplock(new Lock4Args
    {
        Locktype = NfsLockType4.WriteLt,
        Reclaim = reclaim,
        Offset = 0,
        Length = 100,
        Locker = new Locker4 { NewLockOwner = true, OpenOwner = new OpenToLockOwner4 { OpenStateid = open, LockOwner = new StateOwner4 { Owner = "lock-owner"u8.ToArray() } } },
    });

    private static Stateid4 OpenStateid(in Compound4Res result) => result.Resarray.ToArray().Last(r => r.Resop == NfsOpnum4.OpOpen).Opopen.Resok4.Stateid;

    private static Sequence4Args Sequence(byte[] session, uint sequence) => new()
    {
        SaSessionid = (InlineOpaque<InlineBytes16>)session,
        SaSequenceid = sequence,
        SaSlotid = 0,
        SaHighestSlotid = 0,
        SaCachethis = false,
    };

    /// <summary>A 4.1 client over one connection: EXCHANGE_ID and CREATE_SESSION, then COMPOUNDs behind SEQUENCE on slot 0.</summary>
    private sealed class SessionClient : IAsyncDisposable
    {
        private readonly RpcClient _rpc;
        private uint _sequence;

        private SessionClient(RpcClient rpc, byte[] session) => (_rpc, Session) = (rpc, session);

        public byte[] Session { get; }

        public static async Task<SessionClient> ConnectAsync(int port, string owner)
        {
            var rpc = await RpcClient.ConnectAsync("127.0.0.1", port, NlmCalls.Options);
            var v4 = new Nfs4V4Client(rpc);
            var exchange = await Call(v4, NfsArgop4.FromOpexchangeId(new ExchangeId4Args
            {
                EiaClientowner = new ClientOwner4 { CoVerifier = (InlineOpaque<InlineBytes8>)new byte[8], CoOwnerid = Encoding.UTF8.GetBytes(owner) },
                EiaStateProtect = new StateProtect4A { SpaHow = StateProtectHow4.Sp4None },
                EiaClientImplId = Array.Empty<NfsImplId4>(),
            }));
            Assert.That(exchange.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "EXCHANGE_ID");
            var resok = exchange.Resarray.ToArray()[0].OpexchangeId.EirResok4;
            var channel = new ChannelAttrs4 { CaMaxrequestsize = 1 << 20, CaMaxresponsesize = 1 << 20, CaMaxresponsesizeCached = 4096, CaMaxoperations = 16, CaMaxrequests = 4, CaRdmaIrd = Array.Empty<uint>() };
            var created = await Call(v4, NfsArgop4.FromOpcreateSession(new CreateSession4Args
            {
                CsaClientid = resok.EirClientid,
                CsaSequence = resok.EirSequenceid,
                CsaForeChanAttrs = channel,
                CsaBackChanAttrs = channel,
                CsaCbProgram = 0x40000000,
                CsaSecParms = new[] { new CallbackSecParms4 { CbSecflavor = 0 } },
            }));
            Assert.That(created.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "CREATE_SESSION");
            return new SessionClient(rpc, created.Resarray.ToArray()[0].OpcreateSession.CsrResok4.CsrSessionid.Value.ToArray());
        }

        /// <summary>RFC 8881 §18.51.3: what a client sends once it has reclaimed what it will.</summary>
        public async Task ReclaimCompleteAsync() =>
            Assert.That((await CompoundAsync(NfsArgop4.FromOpreclaimComplete(new ReclaimComplete4Args { RcaOneFs = false }))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "RECLAIM_COMPLETE");

        /// <summary>The operations behind a SEQUENCE (checked); the reply as it came.</summary>
        public async Task<Compound4Res> CompoundAsync(params NfsArgop4[] operations)
        {
            var result = await SendAsync([NfsArgop4.FromOpsequence(Sequence(Session, ++_sequence)), .. operations]);
            Assert.That(result.Resarray.ToArray()[0].Opsequence.SrStatus, Is.EqualTo(Nfsstat4.Nfs4Ok), "SEQUENCE");
            return result;
        }

        public Task<Compound4Res> SendAsync(params NfsArgop4[] operations) => Call(new Nfs4V4Client(_rpc), operations);

        private static async Task<Compound4Res> Call(Nfs4V4Client v4, params NfsArgop4[] operations) =>
            await v4.CompoundAsync(new Compound4Args { Tag = "e2e"u8.ToArray(), Minorversion = 1, Argarray = operations }).AsTask().WaitAsync(Timeout);

        public ValueTask DisposeAsync() => _rpc.DisposeAsync();
    }
}
