using System.Text;
using NUnit.Framework;

namespace DittoFs.Storage.Postgres.Tests;

/// <summary>
/// Two stores on one database, as two servers would have (each its own pool and sessions): the database alone
/// serializes their changes, and what one hands out (file ids, cookies, verifiers, handles) means the same to the other.
/// </summary>
[TestFixture]
public sealed class SharedDatabaseTests
{
    private static readonly AuthContext Root = AuthContext.Root();
    private string _database = null!;
    private PostgresMetadataStore _first = null!;
    private PostgresMetadataStore _second = null!;
    private FileRef _share;

    [OneTimeSetUp]
    public void CreateDatabase() => _database = ClusterSetup.Cluster.CreateDatabase();

    [SetUp]
    public async Task OpenTwoStoresAsync()
    {
        string connectionString = ClusterSetup.Cluster.CreateSchema(_database);
        _first = PostgresMetadataStoreConformanceTests.Open(connectionString);
        _second = PostgresMetadataStoreConformanceTests.Open(connectionString);
        _share = (await _first.GetOrCreateRootAsync("share", 0, 0, Convert.ToUInt32("777", 8))).Value;
    }

    [TearDown]
    public void DisposeStores()
    {
        _first.Dispose();
        _second.Dispose();
    }

    private static ReadOnlyMemory<byte> Name(string name) => Encoding.UTF8.GetBytes(name);

    [Test]
    public async Task Both_servers_find_one_share_root()
    {
        var seen = await _second.GetOrCreateRootAsync("share", 0, 0, Convert.ToUInt32("777", 8));

        Assert.That(seen.Value, Is.EqualTo(_share));
    }

    [Test]
    public async Task Servers_creating_a_share_root_together_create_one()
    {
        var roots = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(async () => (await (i % 2 == 0 ? _first : _second).GetOrCreateRootAsync("other", 0, 0, Convert.ToUInt32("755", 8))).Value)));

        Assert.That(roots.Distinct().Count(), Is.EqualTo(1));
    }

    [Test]
    public async Task Of_two_servers_creating_the_same_name_at_once_exactly_one_wins_and_the_other_gets_exist()
    {
        for (int round = 0; round < 40; round++)
        {
            var name = Name($"contended-{round}");
            using var start = new Barrier(2);
            var statuses = await Task.WhenAll(new[] { _first, _second }.Select(store => Task.Run(async () =>
            {
                start.SignalAndWait();
                return (await store.CreateAsync(Root, _share, name, CreateMode.Guarded, default, 0)).Status;
            })));

            Assert.That(statuses, Is.EquivalentTo(new[] { StoreStatus.Ok, StoreStatus.Exist }), $"round {round}");
        }
        var listed = await _second.ReadDirectoryAsync(Root, _share, DirectoryCookie.Start, 0, new DirectoryEntry[64]);
        Assert.That(listed.Value.Count, Is.EqualTo(40));
    }

    [Test]
    public async Task Of_two_servers_making_the_same_directory_at_once_exactly_one_wins()
    {
        for (int round = 0; round < 20; round++)
        {
            var name = Name($"dir-{round}");
            using var start = new Barrier(4);
            var statuses = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
            {
                start.SignalAndWait();
                return (await (i % 2 == 0 ? _first : _second).MkdirAsync(Root, _share, name, default)).Status;
            })));

            Assert.That(statuses.Count(s => s == StoreStatus.Ok), Is.EqualTo(1), $"round {round}");
            Assert.That(statuses.Count(s => s == StoreStatus.Exist), Is.EqualTo(3), $"round {round}");
        }
        Assert.That((await _first.GetAttributesAsync(_share)).Value.LinkCount, Is.EqualTo(2 + 20u));
    }

    [Test]
    public async Task File_ids_from_both_servers_are_distinct_and_never_zero()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(async () =>
        {
            var created = await (i % 2 == 0 ? _first : _second).CreateAsync(Root, _share, Name($"f{i}"), CreateMode.Guarded, default, 0);
            Assert.That(created.Status, Is.EqualTo(StoreStatus.Ok));
            return created.Value.File;
        })));

        Assert.That(ids.Select(f => f.FileId), Is.Unique.And.Not.Contains(0UL));
        Assert.That(ids.Select(f => f.ContentId), Is.Unique);
    }

    [Test]
    public async Task A_listing_started_on_one_server_resumes_on_the_other()
    {
        for (int i = 0; i < 10; i++)
        {
            await _first.CreateAsync(Root, _share, Name($"f{i:D2}"), CreateMode.Guarded, default, 0);
        }
        var page = new DirectoryEntry[4];
        var first = await _first.ReadDirectoryAsync(Root, _share, DirectoryCookie.Start, 0, page);
        var names = page.Take(first.Value.Count).Select(e => Encoding.UTF8.GetString(e.Name.Span)).ToList();

        var rest = await _second.ReadDirectoryAsync(Root, _share, page[3].Cookie, first.Value.CookieVerifier, new DirectoryEntry[16]);

        Assert.That(rest.Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That(rest.Value.CookieVerifier, Is.EqualTo(first.Value.CookieVerifier));
        Assert.That(rest.Value.EndOfDirectory, Is.True);
        Assert.That(names.Count + rest.Value.Count, Is.EqualTo(10));
    }

    [Test]
    public async Task A_handle_from_one_server_names_the_same_file_on_the_other_and_a_removal_there_makes_it_stale()
    {
        var file = (await _first.CreateAsync(Root, _share, Name("f"), CreateMode.Guarded, default, 0)).Value.File;

        Assert.That((await _second.GetAttributesAsync(file.Ref)).Value, Is.EqualTo(file));
        Assert.That((await _second.RemoveAsync(Root, _share, Name("f"))).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await _first.GetAttributesAsync(file.Ref)).Status, Is.EqualTo(StoreStatus.Stale));
        Assert.That(await _first.ListReleasedContentAsync(), Is.EqualTo(new[] { file.ContentId }));
    }

    [Test]
    public async Task Directories_moved_into_each_other_from_two_servers_never_form_a_cycle()
    {
        var directories = new List<InodeAttributes>();
        for (int i = 0; i < 5; i++)
        {
            directories.Add((await _first.MkdirAsync(Root, _share, Name($"d{i}"), default)).Value.File);
        }

        await Task.WhenAll(Enumerable.Range(0, 6).Select(worker => Task.Run(async () =>
        {
            var store = worker % 2 == 0 ? _first : _second;
            var random = new Random(worker);
            for (int round = 0; round < 60; round++)
            {
                int moving = random.Next(5);
                var into = directories[random.Next(5)];
                var parent = await store.LookupAsync(Root, directories[moving].Ref, Name(".."));
                var status = (await store.RenameAsync(Root, parent.Value.File.Ref, Name($"d{moving}"), into.Ref, Name($"d{moving}"))).Status;
                Assert.That(status, Is.AnyOf(StoreStatus.Ok, StoreStatus.Inval, StoreStatus.NoEnt));
            }
        })));

        foreach (var directory in directories)
        {
            var current = directory.Ref;
            for (int depth = 0; current != _share; depth++)
            {
                Assert.That(depth, Is.LessThanOrEqualTo(directories.Count), $"{directory.FileId} is in a cycle");
                current = (await _second.LookupAsync(Root, current, Name(".."))).Value.File.Ref;
            }
        }
    }

    /// <summary>Files created and removed through the first store: their released content ids.</summary>
    private async Task<List<ContentId>> ReleaseAsync(int count, string prefix)
    {
        var released = new List<ContentId>();
        for (int i = 0; i < count; i++)
        {
            var created = await _first.CreateAsync(Root, _share, Name($"{prefix}{i}"), CreateMode.Guarded, default, 0);
            Assert.That(created.Status, Is.EqualTo(StoreStatus.Ok));
            var removed = await _first.RemoveAsync(Root, _share, Name($"{prefix}{i}"));
            Assert.That(removed.Value.ReleasedContent, Is.EqualTo(created.Value.File.ContentId));
            released.Add(removed.Value.ReleasedContent);
        }
        return released;
    }

    [Test]
    public async Task Released_content_is_not_claimed_before_its_grace_has_passed()
    {
        var released = await ReleaseAsync(3, "young");

        Assert.That(await _second.ClaimReleasedContentAsync(100, TimeSpan.FromHours(1), TimeSpan.FromMinutes(10)), Is.Empty);
        Assert.That(await _first.ClaimReleasedContentAsync(100, TimeSpan.Zero, TimeSpan.FromMinutes(10)), Is.EquivalentTo(released));
    }

    [Test]
    public async Task Of_two_servers_claiming_at_once_each_released_content_goes_to_exactly_one()
    {
        var released = await ReleaseAsync(120, "claimed");

        for (int round = 0; round < 3; round++)
        {
            using var start = new Barrier(2);
            var claims = await Task.WhenAll(new[] { _first, _second }.Select(store => Task.Run(async () =>
            {
                start.SignalAndWait();
                var mine = new List<ContentId>();
                while (await store.ClaimReleasedContentAsync(7, TimeSpan.Zero, TimeSpan.FromMinutes(10)) is { Count: > 0 } batch)
                {
                    mine.AddRange(batch);
                }
                return mine;
            })));

            if (round == 0)
            {
                Assert.That(claims[0].Intersect(claims[1]), Is.Empty, "no content claimed by both");
                Assert.That(claims[0].Concat(claims[1]), Is.EquivalentTo(released), "every content claimed once");
            }
            else
            {
                Assert.That(claims[0].Concat(claims[1]), Is.Empty, "claims last their lease: nothing is claimed again");
            }
        }
    }

    [Test]
    public async Task A_claim_whose_lease_expired_is_claimed_again_and_a_deleted_content_never()
    {
        var released = await ReleaseAsync(2, "lease");
        // The first server claims with a lease that is over at once (as if it died holding them).
        Assert.That(await _first.ClaimReleasedContentAsync(10, TimeSpan.Zero, TimeSpan.Zero), Is.EquivalentTo(released));

        var again = await _second.ClaimReleasedContentAsync(10, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        Assert.That(again, Is.EquivalentTo(released));

        Assert.That(await _second.ContentDeletedAsync(released[0]), Is.EqualTo(StoreStatus.Ok));
        Assert.That(await _first.ListReleasedContentAsync(), Is.EqualTo(new[] { released[1] }));
        Assert.That(await _first.ClaimReleasedContentAsync(10, TimeSpan.Zero, TimeSpan.Zero), Is.Empty, "the second server's claim holds");
    }

}

/// <summary>A change waiting for a row lock that another server holds too long answers Jukebox at the statement timeout, and goes through once it is free.</summary>
[TestFixture]
public sealed class LockWaitTests
{
    [Test]
    public async Task A_directory_locked_by_another_server_past_the_statement_timeout_answers_jukebox_then_works()
    {
        string connectionString = ClusterSetup.Cluster.CreateSchema(ClusterSetup.Cluster.CreateDatabase());
        var logger = new CollectingLogger();
        using var store = PostgresMetadataStore.Open(new PostgresMetadataStoreOptions
        {
            ConnectionString = connectionString,
            StatementTimeout = TimeSpan.FromMilliseconds(500),
            Logger = logger,
        });
        var share = (await store.GetOrCreateRootAsync("share", 0, 0, 0x1FF)).Value;

        await using (var other = new Npgsql.NpgsqlConnection(connectionString))
        {
            await other.OpenAsync();
            await using var transaction = await other.BeginTransactionAsync();
            await using (var lockRoot = new Npgsql.NpgsqlCommand($"SELECT id FROM inodes WHERE id = {share.FileId} FOR UPDATE", other, transaction))
            {
                await lockRoot.ExecuteScalarAsync();
            }

            var blocked = await store.CreateAsync(AuthContext.Root(), share, Encoding.UTF8.GetBytes("f"), CreateMode.Guarded, default, 0);

            Assert.That(blocked.Status, Is.EqualTo(StoreStatus.Jukebox));
            Assert.That((await store.GetAttributesAsync(share)).Status, Is.EqualTo(StoreStatus.Ok), "reads take no lock");
        }

        var created = await store.CreateAsync(AuthContext.Root(), share, Encoding.UTF8.GetBytes("f"), CreateMode.Guarded, default, 0);
        Assert.That(created.Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That(logger.Lines.Select(l => l.Message), Has.Some.Contains("statement timeout").And.None.Contains("unavailable"));
    }
}
