using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

public abstract partial class MetadataStoreConformanceTests
{
    private static readonly TimeSpan ConcurrencyDeadline = TimeSpan.FromSeconds(60);

    private static Task RunConcurrentlyAsync(int tasks, Func<int, Task> body) =>
        Task.WhenAll(Enumerable.Range(0, tasks).Select(i => Task.Run(() => body(i)))).WaitAsync(ConcurrencyDeadline);

    [Test]
    public async Task Many_tasks_creating_and_removing_in_one_directory_leave_exactly_the_survivors()
    {
        var directory = await MkdirAsync(ShareRoot, "busy", "777");
        var statsBefore = (await Store.GetFileCountStatsAsync()).Value;

        await RunConcurrentlyAsync(8, async worker =>
        {
            for (int i = 0; i < 200; i++)
            {
                var name = Name($"w{worker}-{i}");
                var created = await Store.CreateAsync(Alice, directory.Ref, name, CreateMode.Guarded, default, 0);
                Assert.That(created.Status, Is.EqualTo(StoreStatus.Ok));
                if (i % 2 == 0)
                {
                    Assert.That((await Store.RemoveAsync(Alice, directory.Ref, name)).Status, Is.EqualTo(StoreStatus.Ok));
                }
            }
        });

        var names = (await ListAllAsync(directory.Ref)).Select(NameOf).ToList();
        var expected = from worker in Enumerable.Range(0, 8) from i in Enumerable.Range(0, 200) where i % 2 == 1 select $"w{worker}-{i}";
        Assert.That(names, Is.EquivalentTo(expected));
        Assert.That((await Store.GetFileCountStatsAsync()).Value.FreeFiles, Is.EqualTo(statsBefore.FreeFiles - 800));
    }

    [Test]
    public async Task Of_many_guarded_creates_of_one_name_exactly_one_succeeds()
    {
        var statuses = new StoreStatus[16];

        await RunConcurrentlyAsync(16, async worker =>
            statuses[worker] = (await Store.CreateAsync(Alice, ShareRoot, Name("contended"), CreateMode.Guarded, default, 0)).Status);

        Assert.That(statuses.Count(s => s == StoreStatus.Ok), Is.EqualTo(1));
        Assert.That(statuses.Count(s => s == StoreStatus.Exist), Is.EqualTo(15));
    }

    [Test]
    public async Task Files_renamed_back_and_forth_between_directories_are_never_lost_or_doubled()
    {
        var left = await MkdirAsync(ShareRoot, "left", "777");
        var right = await MkdirAsync(ShareRoot, "right", "777");
        for (int i = 0; i < 40; i++)
        {
            await CreateFileAsync(left.Ref, $"f{i}");
        }

        await RunConcurrentlyAsync(8, async worker =>
        {
            var random = new Random(worker);
            for (int round = 0; round < 300; round++)
            {
                var name = Name($"f{random.Next(40)}");
                var (from, to) = random.Next(2) == 0 ? (left.Ref, right.Ref) : (right.Ref, left.Ref);
                var status = (await Store.RenameAsync(Alice, from, name, to, name)).Status;
                Assert.That(status, Is.AnyOf(StoreStatus.Ok, StoreStatus.NoEnt));
            }
        });

        var names = (await ListAllAsync(left.Ref)).Concat(await ListAllAsync(right.Ref)).Select(NameOf);
        Assert.That(names, Is.EquivalentTo(Enumerable.Range(0, 40).Select(i => $"f{i}")));
    }

    [Test]
    public async Task Directories_moved_into_each_other_concurrently_never_form_a_cycle()
    {
        var directories = new List<InodeAttributes>();
        for (int i = 0; i < 6; i++)
        {
            directories.Add(await MkdirAsync(ShareRoot, $"d{i}", "777"));
        }

        await RunConcurrentlyAsync(6, async worker =>
        {
            var random = new Random(worker);
            for (int round = 0; round < 200; round++)
            {
                int moving = random.Next(6);
                var into = directories[random.Next(6)];
                var name = Name($"d{moving}");
                var parent = await Store.LookupAsync(Superuser, directories[moving].Ref, Name(".."));
                var status = (await Store.RenameAsync(Superuser, parent.Value.File.Ref, name, into.Ref, name)).Status;
                Assert.That(status, Is.AnyOf(StoreStatus.Ok, StoreStatus.Inval, StoreStatus.NoEnt));
            }
        });

        for (int i = 0; i < directories.Count; i++)
        {
            var current = directories[i].Ref;
            int depth = 0;
            while (current != ShareRoot)
            {
                current = (await LookupAsync(current, "..")).Ref;
                Assert.That(++depth, Is.LessThanOrEqualTo(directories.Count), $"d{i} is in a cycle");
            }
        }
        var reachable = await CountDirectoriesBelowAsync(ShareRoot);
        Assert.That(reachable, Is.EqualTo(directories.Count), "every directory is still reachable from the root");
    }

    private async Task<int> CountDirectoriesBelowAsync(FileRef directory)
    {
        int count = 0;
        foreach (var entry in await ListAllAsync(directory))
        {
            if (entry.Attributes.Type == FileType.Directory)
            {
                count += 1 + await CountDirectoriesBelowAsync(entry.Attributes.Ref);
            }
        }
        return count;
    }

    [Test]
    public async Task Concurrent_writes_leave_the_size_at_the_furthest_end()
    {
        var file = await CreateFileAsync(ShareRoot, "f", "666");

        await RunConcurrentlyAsync(8, async worker =>
        {
            for (int i = 0; i < 100; i++)
            {
                ulong offset = (ulong)(worker * 100 + i) * 4096;
                Assert.That((await Store.PrepareWriteAsync(Bob, file.Ref, offset, 4096)).Status, Is.EqualTo(StoreStatus.Ok));
                Assert.That((await Store.CommitWriteAsync(Bob, file.Ref, offset, 4096)).Status, Is.EqualTo(StoreStatus.Ok));
            }
        });

        Assert.That((await AttributesOfAsync(file.Ref)).Size, Is.EqualTo(800UL * 4096));
    }

    [Test]
    public async Task Concurrent_links_and_removes_keep_the_link_count_right()
    {
        var file = await CreateFileAsync(ShareRoot, "original");

        await RunConcurrentlyAsync(8, async worker =>
        {
            for (int i = 0; i < 50; i++)
            {
                var name = Name($"link-{worker}-{i}");
                Assert.That((await Store.LinkAsync(Superuser, file.Ref, ShareRoot, name)).Status, Is.EqualTo(StoreStatus.Ok));
                if (i % 5 != 0)
                {
                    Assert.That((await Store.RemoveAsync(Superuser, ShareRoot, name)).Status, Is.EqualTo(StoreStatus.Ok));
                }
            }
        });

        Assert.That((await AttributesOfAsync(file.Ref)).LinkCount, Is.EqualTo(1 + 8 * 10));
    }
}
