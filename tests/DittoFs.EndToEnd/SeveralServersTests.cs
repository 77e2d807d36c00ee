using System.Security.Cryptography;
using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage.S3.Tests.Infrastructure;
using DittoFs.Tests;
using Minio;

namespace DittoFs.EndToEnd;

/// <summary>
/// Two real dittofs processes with the same configuration — PostgreSQL metadata (a private cluster) and S3 content
/// (a real s3rver), one share — serving that share at once on two ports, as two gateways behind DNS or a load
/// balancer would. What one server committed the other serves; handles and READDIR cookies of one work on the other;
/// racing changes through both serialize in the database.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SeveralServersTests
{
    private string _data = null!;
    private PostgresCluster _postgres = null!;
    private S3rverProcess _s3 = null!;
    private ConfiguredServer _a = null!;
    private ConfiguredServer _b = null!;
    private PeerLockManager _peer = null!;
    private string _database = null!;
    private string _config = null!;

    /// <summary>The one configuration both servers run: postgres metadata in <paramref name="database"/>, S3 content.</summary>
    internal static string SharedConfiguration(PostgresCluster postgres, string database, S3rverProcess s3, string bucket, string releaseGrace = "2s",
        string statementTimeout = "30s", string lockLease = "30s") => $$"""
        metadata:
          stores:
            meta: { type: postgres, postgres: { connection_string: "{{postgres.ConnectionString(database)}}", release_grace: {{releaseGrace}}, statement_timeout: {{statementTimeout}}, lock_lease: {{lockLease}} } }
        content:
          stores:
            s3:
              type: s3
              s3: { endpoint: "http://{{s3.Endpoint}}", bucket: {{bucket}}, access_key: {{S3rverProcess.AccessKey}}, secret_key: {{S3rverProcess.SecretKey}}, block_size: 64KiB }
        shares:
          - name: /export
            metadata_store: meta
            content_store: s3
        """;

    [OneTimeSetUp]
    public async Task StartServersAsync()
    {
        _data = Directory.CreateTempSubdirectory("dittofs-several-").FullName;
        try
        {
            _postgres = PostgresCluster.Start();
            _s3 = S3TestConfig.StartS3rver(_data);
            _database = _postgres.CreateDatabase();
            string yaml = SharedConfiguration(_postgres, _database, _s3, Bucket);
            _config = Path.Combine(_data, "dittofs.yaml");
            File.WriteAllText(_config, yaml);
            // NLM GRANTED callbacks go to the test's lock manager, found through the test's portmapper.
            _peer = await PeerLockManager.StartAsync();
            string served = $"locks:\n  peer_portmap_port: {_peer.PortmapPort}\n" + yaml;
            _a = ConfiguredServer.Start(served);
            _b = ConfiguredServer.Start(served);
        }
        catch
        {
            await StopServersAsync();
            throw;
        }
    }

    [OneTimeTearDown]
    public async Task StopServersAsync()
    {
        _b?.Dispose();
        _a?.Dispose();
        if (_peer is not null)
            await _peer.DisposeAsync();
        _s3?.Dispose();
        _postgres?.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    [TearDown]
    public void ShowServerOutputOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            TestContext.Out.WriteLine("server A output:\n" + _a?.Process.Output);
            TestContext.Out.WriteLine("server B output:\n" + _b?.Process.Output);
        }
    }

    private const string Bucket = "dittofs-several";

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    [Test]
    public async Task A_file_written_and_committed_through_A_is_listed_and_read_byte_identical_through_B()
    {
        await using var a = await NfsSession.MountAsync(_a.Port);
        await using var b = await NfsSession.MountAsync(_b.Port);
        string name = Unique("written");
        var data = new byte[300 * 1024 + 123];
        new Random(16).NextBytes(data);

        var created = await a.CreateAsync(a.Root, name);
        Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        var handle = NfsSession.Copy(created.Resok.Obj.Handle);
        for (int offset = 0; offset < data.Length; offset += 32 * 1024)
        {
            var written = await a.WriteAsync(handle, (ulong)offset, data.AsMemory(offset, Math.Min(32 * 1024, data.Length - offset)), StableHow.Unstable);
            Assert.That(written.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        }
        Assert.That((await a.CommitAsync(handle)).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));

        // Through B: listed (READDIRPLUS), found by name, and the same bytes through the same handle.
        var listed = await b.ListAsync(b.Root);
        Assert.That(listed.Select(e => e.Name), Does.Contain(name));
        var entry = listed.Single(e => e.Name == name);
        Assert.That(entry.Attributes.Size.Value, Is.EqualTo((ulong)data.Length));
        Assert.That(entry.Handle.Data.ToArray(), Is.EqualTo(handle.Data.ToArray()), "both servers hand out one handle per file");
        Assert.That(SHA256.HashData(await b.ReadAllAsync(handle)), Is.EqualTo(SHA256.HashData(data)));

        // And through Debian's libnfs tools on B's port.
        Assert.That(NfsUtilitiesTests.Run("nfs-ls", LibNfsMount.Url(_b.Port)), Does.Contain(name));
        string copy = Path.Combine(_data, name);
        NfsUtilitiesTests.Run("nfs-cp", LibNfsMount.Url(_b.Port, path: "/" + name), copy);
        Assert.That(SHA256.HashData(File.ReadAllBytes(copy)), Is.EqualTo(SHA256.HashData(data)));
    }

    [Test]
    public async Task An_append_committed_through_A_is_read_through_B_that_read_the_file_before()
    {
        await using var a = await NfsSession.MountAsync(_a.Port);
        await using var b = await NfsSession.MountAsync(_b.Port);
        var created = await a.CreateAsync(a.Root, Unique("append"));
        Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        var handle = NfsSession.Copy(created.Resok.Obj.Handle);
        var first = Encoding.ASCII.GetBytes("first part, ");
        var second = Encoding.ASCII.GetBytes("second part, written after B read the first");
        Assert.That((await a.WriteAsync(handle, 0, first, StableHow.FileSync)).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(await b.ReadAllAsync(handle), Is.EqualTo(first));

        Assert.That((await a.WriteAsync(handle, (ulong)first.Length, second, StableHow.Unstable)).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That((await a.CommitAsync(handle)).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));

        Assert.That(await b.ReadAllAsync(handle), Is.EqualTo(first.Concat(second).ToArray()), "B serves what A committed, not its own earlier view");

        // And a write through B into the same block keeps what A wrote around it.
        Assert.That((await b.WriteAsync(handle, 0, "FIRST"u8.ToArray(), StableHow.FileSync)).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        var expected = first.Concat(second).ToArray();
        "FIRST"u8.CopyTo(expected);
        Assert.That(await a.ReadAllAsync(handle), Is.EqualTo(expected));
    }

    [Test]
    public async Task A_handle_and_a_READDIR_cookie_from_A_work_on_B()
    {
        await using var a = await NfsSession.MountAsync(_a.Port);
        await using var b = await NfsSession.MountAsync(_b.Port);
        var made = await a.MkdirAsync(a.Root, Unique("cookies"));
        Assert.That(made.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        var directory = NfsSession.Copy(made.Resok.Obj.Handle);
        var names = Enumerable.Range(0, 60).Select(i => $"entry-{i:D3}").ToList();
        foreach (var name in names)
            Assert.That((await a.CreateAsync(directory, name)).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));

        // The directory's handle, obtained from A, on B.
        var attributes = await b.Nfs.GetattrAsync(new Getattr3Args { Object = directory });
        Assert.That(attributes.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(attributes.Resok.ObjAttributes.Type, Is.EqualTo(Ftype3.Nf3dir));

        // The first page from A, every page after it from B with A's cookie and verifier.
        var seen = new List<string>();
        var page = await a.Nfs.ReaddirAsync(new Readdir3Args { Dir = directory, Cookie = 0, Cookieverf = new byte[8], Count = 512 });
        Assert.That(page.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(page.Resok.Reply.Eof, Is.False, "the first page from A must leave entries for B");
        ulong cookie = 0;
        foreach (var entry in page.Resok.Reply.Entries)
        {
            seen.Add(Encoding.UTF8.GetString(entry.Name.Span));
            cookie = entry.Cookie;
        }
        byte[] verifier = page.Resok.Cookieverf.ToArray();
        for (int pages = 0; pages < 100; pages++)
        {
            var next = await b.Nfs.ReaddirAsync(new Readdir3Args { Dir = directory, Cookie = cookie, Cookieverf = verifier, Count = 512 });
            Assert.That(next.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), "A's cookie and verifier on B");
            foreach (var entry in next.Resok.Reply.Entries)
            {
                seen.Add(Encoding.UTF8.GetString(entry.Name.Span));
                cookie = entry.Cookie;
            }
            verifier = next.Resok.Cookieverf.ToArray();
            if (next.Resok.Reply.Eof)
                break;
        }
        Assert.That(seen.Where(n => n is not ("." or "..")), Is.EqualTo(names), "every entry once, in order");
    }

    [Test]
    public async Task Two_clients_creating_one_name_at_once_through_A_and_B_one_gets_OK_the_other_EXIST()
    {
        await using var a = await NfsSession.MountAsync(_a.Port);
        await using var b = await NfsSession.MountAsync(_b.Port);
        var made = await a.MkdirAsync(a.Root, Unique("race"));
        Assert.That(made.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        var directory = NfsSession.Copy(made.Resok.Obj.Handle);
        for (int round = 0; round < 25; round++)
        {
            string name = $"same-{round}";
            using var start = new Barrier(2);
            var throughA = Task.Run(async () => { start.SignalAndWait(); return (await a.CreateAsync(directory, name)).Status; });
            var throughB = Task.Run(async () => { start.SignalAndWait(); return (await b.CreateAsync(directory, name)).Status; });
            var statuses = await Task.WhenAll(throughA, throughB);
            Assert.That(statuses, Is.EquivalentTo(new[] { Nfsstat3.Nfs3Ok, Nfsstat3.Nfs3errExist }), $"round {round}: A {statuses[0]}, B {statuses[1]}");
        }
        var listed = await b.ListAsync(directory);
        Assert.That(listed.Select(e => e.Name), Is.EquivalentTo(Enumerable.Range(0, 25).Select(i => $"same-{i}")), "one entry per name");
    }

    [Test]
    public async Task A_remove_through_B_makes_A_answer_STALE_for_the_handle_and_NOENT_for_the_name()
    {
        await using var a = await NfsSession.MountAsync(_a.Port);
        await using var b = await NfsSession.MountAsync(_b.Port);
        string name = Unique("removed");
        var created = await a.CreateAsync(a.Root, name);
        Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        var handle = NfsSession.Copy(created.Resok.Obj.Handle);
        Assert.That((await a.WriteAsync(handle, 0, "doomed"u8.ToArray(), StableHow.FileSync)).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That((await a.Nfs.GetattrAsync(new Getattr3Args { Object = handle })).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));

        Assert.That((await b.RemoveAsync(b.Root, name)).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));

        Assert.That((await a.Nfs.GetattrAsync(new Getattr3Args { Object = handle })).Status, Is.EqualTo(Nfsstat3.Nfs3errStale));
        Assert.That((await a.ReadAsync(handle, 0, 100)).Status, Is.EqualTo(Nfsstat3.Nfs3errStale));
        Assert.That((await a.LookupAsync(a.Root, name)).Status, Is.EqualTo(Nfsstat3.Nfs3errNoent));
        Assert.That((await a.ListAsync(a.Root)).Select(e => e.Name), Does.Not.Contain(name));
    }

    [Test]
    public async Task A_rename_through_B_is_seen_through_A()
    {
        await using var a = await NfsSession.MountAsync(_a.Port);
        await using var b = await NfsSession.MountAsync(_b.Port);
        string from = Unique("old"), to = Unique("new");
        var created = await a.CreateAsync(a.Root, from);
        Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));

        Assert.That((await b.RenameAsync(b.Root, from, b.Root, to)).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));

        Assert.That((await a.LookupAsync(a.Root, from)).Status, Is.EqualTo(Nfsstat3.Nfs3errNoent));
        var found = await a.LookupAsync(a.Root, to);
        Assert.That(found.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(found.Resok.Object.Data.ToArray(), Is.EqualTo(created.Resok.Obj.Handle.Data.ToArray()));
    }

    [Test]
    public async Task Content_removed_through_B_is_deleted_from_S3_once_its_grace_passed_and_its_record_dropped()
    {
        await using var a = await NfsSession.MountAsync(_a.Port);
        await using var b = await NfsSession.MountAsync(_b.Port);
        string name = Unique("deleted");
        var created = await a.CreateAsync(a.Root, name);
        Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        var handle = NfsSession.Copy(created.Resok.Obj.Handle);
        var data = new byte[200 * 1024];
        new Random(2).NextBytes(data);
        Assert.That((await a.WriteAsync(handle, 0, data, StableHow.FileSync)).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        string prefix = ContentPrefix(created.Resok.ObjAttributes.Attributes.Fileid);
        Assert.That(await ObjectsAsync(prefix), Is.Not.Empty, "the content is in S3");

        Assert.That((await b.RemoveAsync(b.Root, name)).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while ((await ObjectsAsync(prefix)).Count > 0 || ReleasedRows() > 0)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the content and its release record are gone within 90 s (grace 2 s, a sweep every 5 s)");
            await Task.Delay(200);
        }
    }

    /// <summary>A new file (created through A) and an NLM v4 client of each server.</summary>
    private sealed record NlmClients(byte[] File, RpcClient RpcA, RpcClient RpcB) : IAsyncDisposable
    {
        public NlmV4Client A { get; } = new(RpcA);
        public NlmV4Client B { get; } = new(RpcB);

        public async ValueTask DisposeAsync()
        {
            await RpcA.DisposeAsync();
            await RpcB.DisposeAsync();
        }
    }

    private async Task<NlmClients> NlmClientsAsync()
    {
        byte[] file = await NlmCalls.CreateFileAsync(_a.Port);
        var rpcA = await RpcClient.ConnectAsync("127.0.0.1", _a.Port, NlmCalls.Options);
        try
        {
            return new NlmClients(file, rpcA, await RpcClient.ConnectAsync("127.0.0.1", _b.Port, NlmCalls.Options));
        }
        catch
        {
            await rpcA.DisposeAsync();
            throw;
        }
    }

    [Test]
    public async Task An_NLM_lock_taken_through_A_denies_the_conflicting_lock_through_B_until_A_unlocks()
    {
        await using var clients = await NlmClientsAsync();
        var (file, a, b) = (clients.File, clients.A, clients.B);

        Assert.That(await NlmCalls.LockAsync(a, NlmCalls.Lock(file, "host-a", 1, 0, 100)), Is.EqualTo(Nlm4Stats.Nlm4Granted));

        Assert.That(await NlmCalls.LockAsync(b, NlmCalls.Lock(file, "host-b", 2, 50, 10)), Is.EqualTo(Nlm4Stats.Nlm4Denied), "A's lock counts on B");
        var holder = await NlmCalls.TestAsync(b, NlmCalls.Lock(file, "host-b", 2, 99, 1), exclusive: false);
        Assert.That((holder.Stat, holder.Holder.Svid, Encoding.UTF8.GetString(holder.Holder.Oh.Span), holder.Holder.LOffset, holder.Holder.LLen),
            Is.EqualTo((Nlm4Stats.Nlm4Denied, 1, "host-a/1", 0UL, 100UL)), "B's TEST names A's holder");
        Assert.That(await NlmCalls.LockAsync(b, NlmCalls.Lock(file, "host-b", 2, 100, 10)), Is.EqualTo(Nlm4Stats.Nlm4Granted), "the byte after A's range");
        Assert.That(await NlmCalls.LockAsync(a, NlmCalls.Lock(file, "host-a", 1, 105, 1), exclusive: false), Is.EqualTo(Nlm4Stats.Nlm4Denied), "and B's lock counts on A");

        Assert.That(await NlmCalls.UnlockAsync(a, NlmCalls.Lock(file, "host-a", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));

        Assert.That(await NlmCalls.LockAsync(b, NlmCalls.Lock(file, "host-b", 2, 0, 100)), Is.EqualTo(Nlm4Stats.Nlm4Granted), "free once A unlocked");
        Assert.That(await NlmCalls.UnlockAsync(b, NlmCalls.Lock(file, "host-b", 2, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
    }

    [Test]
    public async Task A_blocking_NLM_lock_through_B_waiting_for_A_is_granted_by_a_callback_once_A_unlocks()
    {
        await using var clients = await NlmClientsAsync();
        var (file, a, b) = (clients.File, clients.A, clients.B);
        Assert.That(await NlmCalls.LockAsync(a, NlmCalls.Lock(file, "holder", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        var waiting = _peer.ExpectGranted(file, svid: 2);

        Assert.That(await NlmCalls.LockAsync(b, NlmCalls.Lock(file, "waiter", 2, 100, 50), block: true), Is.EqualTo(Nlm4Stats.Nlm4Blocked));
        Assert.That(waiting.IsCompleted, Is.False);
        Assert.That(await NlmCalls.UnlockAsync(a, NlmCalls.Lock(file, "holder", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));

        // B learns of A's unlock by polling the database (every second), then calls the waiter back.
        var granted = await waiting.WaitAsync(NlmCalls.Timeout);
        Assert.That((granted.Exclusive, granted.Svid, granted.Offset, granted.Length, granted.OwnerHandle), Is.EqualTo((true, 2, 100UL, 50UL, "waiter/2")));
        var holder = await NlmCalls.TestAsync(a, NlmCalls.Lock(file, "holder", 1, 0, 0));
        Assert.That((holder.Stat, holder.Holder.Svid), Is.EqualTo((Nlm4Stats.Nlm4Denied, 2)), "the waiter holds it now, through B");
        Assert.That(await NlmCalls.UnlockAsync(b, NlmCalls.Lock(file, "waiter", 2, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
    }

    /// <summary>
    /// NFSv4.1 through the generated client: a LOCK through A denies a conflicting LOCK of another client and an NLM lock
    /// through B; after A's LOCKU, B's NLM lock is granted. The two clients' lock-owners have the same bytes and each
    /// server mints client ids from its start second, so they may even have the same client id: they must still conflict
    /// (SharedLockTableTests pins that case).
    /// </summary>
    [Test]
    public async Task An_NFSv4_lock_through_A_denies_an_NFSv4_and_an_NLM_lock_through_B_until_A_unlocks()
    {
        byte[] file = await NlmCalls.CreateFileAsync(_a.Port);
        await using var onA = await Nfs4SessionClient.ConnectAsync(_a.Port, "client-a");
        await onA.ReclaimCompleteAsync();
        var opened = await onA.CompoundAsync(Nfs4Operations.PutFh(file), Nfs4Operations.Open(OpenClaimType4.ClaimNull));
        Assert.That(opened.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        var locked = await onA.CompoundAsync(Nfs4Operations.PutFh(file), Nfs4Operations.Lock(Nfs4Operations.OpenStateid(opened), reclaim: false));
        Assert.That(locked.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));

        await using var onB = await Nfs4SessionClient.ConnectAsync(_b.Port, "client-b");
        await onB.ReclaimCompleteAsync();
        var openedB = await onB.CompoundAsync(Nfs4Operations.PutFh(file), Nfs4Operations.Open(OpenClaimType4.ClaimNull));
        Assert.That(openedB.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "no share reservation denies B's open");
        Assert.That((await onB.CompoundAsync(Nfs4Operations.PutFh(file), Nfs4Operations.Lock(Nfs4Operations.OpenStateid(openedB), reclaim: false))).Status,
            Is.EqualTo(Nfsstat4.Nfs4errDenied), "A's v4 lock counts on B");
        await using var rpcB = await RpcClient.ConnectAsync("127.0.0.1", _b.Port, NlmCalls.Options);
        var nlmB = new NlmV4Client(rpcB);
        Assert.That(await NlmCalls.LockAsync(nlmB, NlmCalls.Lock(file, "host-b", 2, 50, 10)), Is.EqualTo(Nlm4Stats.Nlm4Denied), "and against NLM");

        Assert.That((await onA.CompoundAsync(Nfs4Operations.PutFh(file), Nfs4Operations.Unlock(Nfs4Operations.LockStateid(locked)))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));

        Assert.That(await NlmCalls.LockAsync(nlmB, NlmCalls.Lock(file, "host-b", 2, 50, 10)), Is.EqualTo(Nlm4Stats.Nlm4Granted), "free once A unlocked");
        Assert.That(await NlmCalls.UnlockAsync(nlmB, NlmCalls.Lock(file, "host-b", 2, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
    }

    [Test]
    public async Task An_NLM_share_reservation_through_A_denies_a_conflicting_one_through_B_until_unshared()
    {
        await using var clients = await NlmClientsAsync();
        var (file, a, b) = (clients.File, clients.A, clients.B);
        async Task<Nlm4Stats> ShareAsync(NlmV4Client nlm, string caller, Fsh4Access access, Fsh4Mode deny) =>
            (await nlm.ShareAsync(NlmCalls.Share4(file, caller, access, deny)).AsTask().WaitAsync(NlmCalls.Timeout)).Stat;

        Assert.That(await ShareAsync(a, "share-a", Fsh4Access.Fsa4Rw, Fsh4Mode.Fsm4Dw), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await ShareAsync(b, "share-b", Fsh4Access.Fsa4W, Fsh4Mode.Fsm4Dn), Is.EqualTo(Nlm4Stats.Nlm4Denied), "A's reservation denies writers on B");
        Assert.That(await ShareAsync(b, "share-c", Fsh4Access.Fsa4R, Fsh4Mode.Fsm4Dn), Is.EqualTo(Nlm4Stats.Nlm4Granted), "readers come in through B");

        Assert.That((await a.UnshareAsync(NlmCalls.Share4(file, "share-a", Fsh4Access.Fsa4Rw, Fsh4Mode.Fsm4Dw)).AsTask().WaitAsync(NlmCalls.Timeout)).Stat, Is.EqualTo(Nlm4Stats.Nlm4Granted));

        Assert.That(await ShareAsync(b, "share-b", Fsh4Access.Fsa4W, Fsh4Mode.Fsm4Dn), Is.EqualTo(Nlm4Stats.Nlm4Granted));
    }

    /// <summary>The S3 key prefix of a file's content: its content id from the database, as the S3 store lays it out.</summary>
    private string ContentPrefix(ulong fileId)
    {
        using var connection = new Npgsql.NpgsqlConnection(_postgres.ConnectionString(_database));
        connection.Open();
        using var command = new Npgsql.NpgsqlCommand("SELECT content_hi, content_lo FROM inodes WHERE id = $1", connection);
        command.Parameters.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = (long)fileId });
        using var reader = command.ExecuteReader();
        Assert.That(reader.Read(), "the file's row");
        return $"{unchecked((ulong)reader.GetInt64(0)):x16}{unchecked((ulong)reader.GetInt64(1)):x16}/";
    }

    private long ReleasedRows()
    {
        using var connection = new Npgsql.NpgsqlConnection(_postgres.ConnectionString(_database));
        connection.Open();
        using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM released_content", connection);
        return (long)command.ExecuteScalar()!;
    }

    private async Task<List<string>> ObjectsAsync(string prefix)
    {
        using var client = new Minio.MinioClient().WithEndpoint(_s3.Endpoint).WithCredentials(S3rverProcess.AccessKey, S3rverProcess.SecretKey).WithSSL(false).Build();
        var keys = new List<string>();
        await foreach (var item in client.ListObjectsEnumAsync(new Minio.DataModel.Args.ListObjectsArgs().WithBucket(Bucket).WithPrefix(prefix).WithRecursive(true)))
            keys.Add(item.Key);
        return keys;
    }

    [Test]
    public async Task Fsck_checks_postgres_and_S3_while_both_servers_serve_and_removes_only_a_true_orphan()
    {
        await using (var a = await NfsSession.MountAsync(_a.Port))
        {
            var made = await a.MkdirAsync(a.Root, Unique("fsck"));
            Assert.That(made.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
            var created = await a.CreateAsync(made.Resok.Obj.Handle, "kept");
            Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
            Assert.That((await a.WriteAsync(created.Resok.Obj.Handle, 0, new byte[70_000], StableHow.FileSync)).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        }
        var clean = FsckCommandLineTests.Fsck("--config", _config);
        Assert.That(clean.ExitCode, Is.Zero, clean.Output);
        Assert.That(clean.Output, Does.Contain("(postgres, ").And.Contain("clean"));

        // Content of this store's prefix that no file names and that is not on the release list: a true orphan.
        ulong prefix;
        using (var connection = new Npgsql.NpgsqlConnection(_postgres.ConnectionString(_database)))
        {
            connection.Open();
            using var command = new Npgsql.NpgsqlCommand("SELECT content_prefix FROM store_identity", connection);
            prefix = unchecked((ulong)(long)command.ExecuteScalar()!);
        }
        // As the S3 store leaves one: the length object (raised before any block past it), then the block.
        string orphan = $"{prefix:x16}{0xfffff0UL:x16}/";
        await PutObjectAsync(orphan + "length", "100"u8.ToArray());
        await PutObjectAsync(orphan + $"{0UL:x16}", new byte[100]);
        var found = FsckCommandLineTests.Fsck("--config", _config);
        Assert.That(found.ExitCode, Is.EqualTo(1), found.Output);
        Assert.That(found.Output, Does.Contain("OrphanContent"));
        Assert.That(await ObjectsAsync(orphan), Has.Count.EqualTo(2), "a check alone deletes nothing");
        var repaired = FsckCommandLineTests.Fsck("--config", _config, "--repair");
        Assert.That(repaired.ExitCode, Is.EqualTo(1), repaired.Output);
        Assert.That(repaired.Output, Does.Contain("[repaired]"));
        Assert.That(await ObjectsAsync(orphan), Is.Empty);
        var after = FsckCommandLineTests.Fsck("--config", _config);
        Assert.That(after.ExitCode, Is.Zero, after.Output);
    }

    [Test]
    public async Task Fsck_reports_a_broken_link_count_in_postgres_and_refuses_to_repair_it()
    {
        ulong fileId;
        await using (var a = await NfsSession.MountAsync(_a.Port))
        {
            var created = await a.CreateAsync(a.Root, Unique("counted"));
            Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
            fileId = created.Resok.ObjAttributes.Attributes.Fileid;
        }
        Execute($"UPDATE inodes SET link_count = 5 WHERE id = {fileId}");
        try
        {
            var found = FsckCommandLineTests.Fsck("--config", _config, "--repair");
            Assert.That(found.ExitCode, Is.EqualTo(1), found.Output);
            Assert.That(found.Output, Does.Contain($"WrongLinkCount: object {fileId} has link count 5 but 1 name(s)").And.Contain("repair refused"));
        }
        finally
        {
            Execute($"UPDATE inodes SET link_count = 1 WHERE id = {fileId}");
        }
        var after = FsckCommandLineTests.Fsck("--config", _config);
        Assert.That(after.ExitCode, Is.Zero, after.Output);
    }

    private void Execute(string sql)
    {
        using var connection = new Npgsql.NpgsqlConnection(_postgres.ConnectionString(_database));
        connection.Open();
        using var command = new Npgsql.NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private async Task PutObjectAsync(string key, byte[] data)
    {
        using var client = new Minio.MinioClient().WithEndpoint(_s3.Endpoint).WithCredentials(S3rverProcess.AccessKey, S3rverProcess.SecretKey).WithSSL(false).Build();
        using var stream = new MemoryStream(data);
        await client.PutObjectAsync(new Minio.DataModel.Args.PutObjectArgs().WithBucket(Bucket).WithObject(key).WithStreamData(stream).WithObjectSize(data.Length));
    }
}
