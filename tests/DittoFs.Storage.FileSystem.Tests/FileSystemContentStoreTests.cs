using System.Diagnostics;
using DittoFs.Storage.TestSupport;
using NUnit.Framework;

namespace DittoFs.Storage.FileSystem.Tests;

/// <summary>What the conformance suite cannot see: the files on disk, the handle cache under pressure, a full disk.</summary>
[TestFixture]
public sealed class FileSystemContentStoreTests
{
    private const long GiB = 1L << 30;
    private readonly TemporaryDirectories _directories = new("content");
    private string _root = null!;

    [SetUp]
    public void CreateRoot() => _root = _directories.Create();

    [OneTimeTearDown]
    public void DeleteDirectories() => _directories.Dispose();

    private static ContentId Content(ulong low) => new(new UInt128(0x5EED, low));

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private string SingleFileUnderRoot() => ContentFiles().Single();

    private List<string> ContentFiles() =>
        Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(Path.GetDirectoryName(f)) != "spare").ToList();

    private List<string> SpareFiles() => [.. Directory.EnumerateFiles(Path.Join(_root, "spare"))];

    [Test]
    public async Task A_write_at_5_GiB_allocates_only_what_was_written()
    {
        using var store = new FileSystemContentStore(_root);

        Assert.That(await store.WriteAsync(Content(1), 5 * GiB, Pattern(5000, 1)), Is.EqualTo(StoreStatus.Ok));

        string file = SingleFileUnderRoot();
        Assert.That(new FileInfo(file).Length, Is.EqualTo(5 * GiB + 5000));
        Assert.That(AllocatedBytes(file), Is.LessThan(1L << 20), "a hole of 5 GiB is not allocated");
    }

    [Test]
    public async Task A_content_file_is_named_by_its_id_under_its_store_and_group_directories()
    {
        using var store = new FileSystemContentStore(_root);
        var content = Content(0x12345);

        await store.WriteAsync(content, 0, Pattern(10, 1));

        string relative = Path.GetRelativePath(_root, SingleFileUnderRoot());
        Assert.That(relative, Is.EqualTo($"0000000000005eed/0000000000012/{content}"));
    }

    [Test]
    public void Consecutive_ids_fill_one_directory_at_a_time()
    {
        var paths = new ContentPaths(_root);

        var directories = Enumerable.Range(1, 10_000).Select(i => paths.DirectoryOf(Content((ulong)i))).ToList();

        Assert.That(directories.Distinct().Count(), Is.EqualTo(3), "ids 1-4095, 4096-8191 and 8192-10000");
        Assert.That(directories.Zip(directories.Skip(1)).Count(pair => pair.First != pair.Second), Is.EqualTo(2), "each directory is left for good");
        Assert.That(paths.DirectoryOf(new ContentId(new UInt128(0xBEEF, 1))), Is.Not.EqualTo(directories[0]), "another metadata store's ids go elsewhere");
    }

    [Test]
    public async Task Files_of_the_hashed_layout_of_earlier_builds_move_into_place_when_the_store_opens()
    {
        // The first layout: ROOT/xx/yy/<id>, xx and yy from a hash of the id (any two hex digits do here).
        var contents = Enumerable.Range(1, 20).Select(i => Content((ulong)i * 1000)).ToList();
        foreach (var (content, index) in contents.Select((c, i) => (c, i)))
        {
            string directory = Path.Join(_root, (index % 3).ToString("x2"), (index % 7 * 30).ToString("x2"));
            Directory.CreateDirectory(directory);
            await File.WriteAllBytesAsync(Path.Join(directory, content.ToString()), Pattern(100 + index, index));
        }
        string stranger = Path.Join(_root, "01", "1e", "not-content");
        await File.WriteAllTextAsync(stranger, "left alone");

        using var store = new FileSystemContentStore(_root);

        foreach (var (content, index) in contents.Select((c, i) => (c, i)))
        {
            var buffer = new byte[200];
            var read = await store.ReadAsync(content, 0, buffer);
            Assert.That(buffer.AsSpan(0, read.Value).ToArray(), Is.EqualTo(Pattern(100 + index, index)), $"content {index}");
        }
        var listed = new List<StoredContent>();
        await foreach (var item in store.ListAsync())
        {
            listed.Add(item);
        }
        Assert.That(listed.Select(c => c.Id), Is.EquivalentTo(contents));
        Assert.That(File.Exists(stranger), Is.True, "a file that is not content stays");
        Assert.That(Directory.EnumerateDirectories(_root).Select(Path.GetFileName), Is.EquivalentTo(new[] { "01", "0000000000005eed", "spare" }),
            "emptied old directories are gone");
    }

    [Test]
    public async Task Deleting_twice_is_ok()
    {
        using var store = new FileSystemContentStore(_root);
        await store.WriteAsync(Content(1), 0, Pattern(10, 1));

        Assert.That(await store.DeleteAsync(Content(1)), Is.EqualTo(StoreStatus.Ok));
        Assert.That(await store.DeleteAsync(Content(1)), Is.EqualTo(StoreStatus.Ok));
        Assert.That(ContentFiles(), Is.Empty);
        Assert.That(store.SpareFileCount, Is.EqualTo(1));
    }

    [Test]
    public async Task The_file_of_deleted_content_becomes_the_file_of_new_content_and_starts_empty()
    {
        using var store = new FileSystemContentStore(_root);
        await store.WriteAsync(Content(1), 0, Pattern(8192, 1));
        await store.DeleteAsync(Content(1));
        Assert.That(SpareFiles(), Has.Count.EqualTo(1));

        Assert.That(await store.TruncateAsync(Content(2), 16384), Is.EqualTo(StoreStatus.Ok));
        Assert.That(await store.WriteAsync(Content(2), 100, Pattern(10, 2)), Is.EqualTo(StoreStatus.Ok));

        Assert.That(SpareFiles(), Is.Empty, "the spare was taken");
        var buffer = new byte[20000];
        var read = await store.ReadAsync(Content(2), 0, buffer);
        Assert.That(read.Value, Is.EqualTo(16384));
        Assert.That(buffer[..100].Concat(buffer[110..16384]).All(b => b == 0), Is.True, "nothing of the deleted content shows");
        Assert.That(buffer[100..110], Is.EqualTo(Pattern(10, 2)));
        Assert.That((await store.ReadAsync(Content(1), 0, buffer)).Value, Is.Zero, "the deleted content reads as never written");
        Assert.That(await store.FlushAsync(Content(2)), Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task At_most_max_spare_files_are_kept_and_the_rest_deleted()
    {
        using var store = new FileSystemContentStore(_root, maxSpareFiles: 2);
        for (ulong i = 1; i <= 5; i++)
        {
            await store.WriteAsync(Content(i), 0, Pattern(100, (int)i));
        }
        for (ulong i = 1; i <= 5; i++)
        {
            await store.DeleteAsync(Content(i));
        }

        Assert.That(ContentFiles(), Is.Empty);
        Assert.That(SpareFiles(), Has.Count.EqualTo(2));
        Assert.That(SpareFiles().Select(f => new FileInfo(f).Length), Is.All.Zero);
    }

    [Test]
    public async Task Spares_are_deleted_when_the_store_opens_and_are_never_listed_as_content()
    {
        using (var store = new FileSystemContentStore(_root))
        {
            await store.WriteAsync(Content(1), 0, Pattern(100, 1));
            await store.WriteAsync(Content(2), 0, Pattern(100, 2));
            await store.DeleteAsync(Content(1));
            var listed = new List<ContentId>();
            await foreach (var item in store.ListAsync())
            {
                listed.Add(item.Id);
            }
            Assert.That(listed, Is.EqualTo(new[] { Content(2) }));
        }
        Assert.That(SpareFiles(), Has.Count.EqualTo(1));

        using var reopened = new FileSystemContentStore(_root);

        Assert.That(SpareFiles(), Is.Empty);
        Assert.That(reopened.SpareFileCount, Is.Zero);
        Assert.That(ContentFiles(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_file_in_use_when_its_content_is_deleted_is_deleted_not_kept_for_new_content()
    {
        using var store = new FileSystemContentStore(_root);
        Assert.That(store.TryOpen(Content(1), create: true, out var lease), Is.True); // as a running WRITE holds it

        Assert.That(await store.DeleteAsync(Content(1)), Is.EqualTo(StoreStatus.Ok));
        Assert.That(store.SpareFileCount, Is.Zero, "a write may still land in it");
        RandomAccess.Write(lease.Handle, Pattern(100, 1), 0);
        lease.Dispose();

        await store.TruncateAsync(Content(2), 100);
        var buffer = new byte[100];
        Assert.That((await store.ReadAsync(Content(2), 0, buffer)).Value, Is.EqualTo(100));
        Assert.That(buffer, Is.All.Zero);
        Assert.That(ContentFiles(), Has.Count.EqualTo(1), "content 1 left no file behind");
    }

    [Test]
    public async Task Flushing_content_never_written_is_ok_and_creates_nothing()
    {
        using var store = new FileSystemContentStore(_root);

        Assert.That(await store.FlushAsync(Content(7)), Is.EqualTo(StoreStatus.Ok));
        Assert.That(Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories), Is.Empty);
    }

    [Test]
    public async Task More_files_than_open_handles_all_read_back()
    {
        using var store = new FileSystemContentStore(_root, maxOpenFiles: 2);

        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 20; i++)
            {
                Assert.That(await store.WriteAsync(Content((ulong)i), (ulong)(round * 100), Pattern(100, i * 10 + round)), Is.EqualTo(StoreStatus.Ok));
            }
        }

        for (int i = 0; i < 20; i++)
        {
            var buffer = new byte[300];
            var read = await store.ReadAsync(Content((ulong)i), 0, buffer);
            Assert.That(read.Value, Is.EqualTo(300));
            Assert.That(buffer, Is.EqualTo(Pattern(100, i * 10).Concat(Pattern(100, i * 10 + 1)).Concat(Pattern(100, i * 10 + 2))), $"content {i}");
        }
    }

    [Test]
    public async Task Concurrent_writes_to_more_files_than_open_handles_all_land()
    {
        using var store = new FileSystemContentStore(_root, maxOpenFiles: 3);
        // Each worker writes its own ranges, spread over 16 files, so handles are evicted while others use them.
        static (ContentId Content, ulong Offset, byte[] Data) WriteOf(int worker, int i) =>
            (Content((ulong)(i % 16)), (ulong)(worker * 2000 + i * 10), Pattern(10, worker * 1000 + i));

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (int i = 0; i < 200; i++)
            {
                var (content, offset, data) = WriteOf(worker, i);
                Assert.That(await store.WriteAsync(content, offset, data), Is.EqualTo(StoreStatus.Ok));
            }
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        for (int worker = 0; worker < 8; worker++)
        {
            for (int i = 0; i < 200; i++)
            {
                var (content, offset, data) = WriteOf(worker, i);
                var buffer = new byte[10];
                await store.ReadAsync(content, offset, buffer);
                Assert.That(buffer, Is.EqualTo(data), $"write {i} of worker {worker}");
            }
        }
    }

    [Test]
    public async Task A_full_file_system_answers_no_spc_and_takes_writes_again_once_space_is_freed()
    {
        using var small = SmallFileSystem.TryMount(1 << 20, out string whyNot);
        if (small is null)
        {
            Assert.Ignore($"No small file system to fill here: {whyNot}");
        }
        using var store = new FileSystemContentStore(small!.Path);

        var status = StoreStatus.Ok;
        ulong offset = 0;
        for (; status == StoreStatus.Ok && offset < 4 << 20; offset += 64 * 1024)
        {
            status = await store.WriteAsync(Content(1), offset, Pattern(64 * 1024, 1));
        }

        Assert.That(status, Is.EqualTo(StoreStatus.NoSpc));
        Assert.That(await store.DeleteAsync(Content(1)), Is.EqualTo(StoreStatus.Ok));
        Assert.That(await store.WriteAsync(Content(2), 0, Pattern(64 * 1024, 2)), Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task Stats_are_those_of_the_file_system_holding_the_root()
    {
        using var small = SmallFileSystem.TryMount(4 << 20, out string whyNot);
        if (small is null)
        {
            Assert.Ignore($"No small file system to measure here: {whyNot}");
        }
        using var store = new FileSystemContentStore(small!.Path);
        await store.WriteAsync(Content(1), 0, Pattern(1 << 20, 1));

        var stats = (await store.GetStatsAsync()).Value;

        Assert.That(stats.TotalBytes, Is.EqualTo(4UL << 20));
        Assert.That(stats.FreeBytes, Is.LessThanOrEqualTo(3UL << 20));
    }

    /// <summary>Bytes the file system allocated for a file: st_blocks (512-byte units), read with stat(1).</summary>
    private static long AllocatedBytes(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("stat", ["--format=%b", path]) { RedirectStandardOutput = true })!;
        string blocks = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, "stat");
        return long.Parse(blocks) * 512;
    }
}
