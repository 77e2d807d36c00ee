using System.Text;
using NUnit.Framework;

namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>READDIR of a directory of 10,000 entries, built once for the fixture (in parallel, as clients would).</summary>
[TestFixture]
public sealed class LargeDirectoryTests
{
    private const int EntryCount = 10_000;
    private const int Creators = 8;
    private static readonly AuthContext Root = AuthContext.Root();
    private readonly TemporaryDirectories _directories = new("rocksdb");
    private string _path = null!;
    private FileRef _directory;
    private RocksDbMetadataStore _store = null!;

    [OneTimeSetUp]
    public async Task CreateDirectoryOfTenThousandAsync()
    {
        _path = _directories.Create();
        using var store = new RocksDbMetadataStore(_path);
        var share = (await store.GetOrCreateRootAsync("share", 0, 0, Convert.ToUInt32("777", 8))).Value;
        _directory = (await store.MkdirAsync(Root, share, "big"u8.ToArray(), default)).Value.File.Ref;
        await Task.WhenAll(Enumerable.Range(0, Creators).Select(creator => Task.Run(async () =>
        {
            for (int i = creator; i < EntryCount; i += Creators)
            {
                var created = await store.CreateAsync(Root, _directory, NameOf(i), CreateMode.Guarded, default, 0);
                Assert.That(created.Status, Is.EqualTo(StoreStatus.Ok));
            }
        })));
    }

    [OneTimeTearDown]
    public void DeleteDirectories() => _directories.Dispose();

    [SetUp]
    public void OpenStore() => _store = new RocksDbMetadataStore(_path);

    [TearDown]
    public void DisposeStore() => _store.Dispose();

    private static byte[] NameOf(int i) => Encoding.UTF8.GetBytes($"entry-{i:D5}");

    private static IEnumerable<string> AllNames => Enumerable.Range(0, EntryCount).Select(i => $"entry-{i:D5}");

    [Test]
    public async Task Pages_list_every_entry_once_in_cookie_order()
    {
        var listed = await TreeAudit.ListAllAsync(_store, _directory, pageSize: 100);

        Assert.That(listed.Select(e => Encoding.UTF8.GetString(e.Name.Span)), Is.EquivalentTo(AllNames));
        Assert.That(listed.Select(e => e.Cookie), Is.Ordered.Ascending.And.Unique);
        Assert.That(listed.Select(e => e.Attributes.Type), Has.All.EqualTo(FileType.Regular));
    }

    [Test]
    public async Task A_listing_resumed_after_a_restart_neither_skips_nor_repeats()
    {
        var page = new DirectoryEntry[97];
        var names = new List<string>();
        ulong cookie = DirectoryCookie.Start;
        ulong verifier = 0;
        for (int pages = 0; ; pages++)
        {
            if (pages == 40)
            {
                _store.Dispose();
                _store = new RocksDbMetadataStore(_path);
            }
            var read = await _store.ReadDirectoryAsync(Root, _directory, cookie, verifier, page);
            Assert.That(read.Status, Is.EqualTo(StoreStatus.Ok), $"page {pages}");
            names.AddRange(page.Take(read.Value.Count).Select(e => Encoding.UTF8.GetString(e.Name.Span)));
            if (read.Value.EndOfDirectory)
            {
                break;
            }
            (cookie, verifier) = (page[read.Value.Count - 1].Cookie, read.Value.CookieVerifier);
        }

        Assert.That(names, Is.EquivalentTo(AllNames));
    }

    [Test]
    public async Task The_last_page_holds_the_tail_and_ends_the_directory()
    {
        var all = await TreeAudit.ListAllAsync(_store, _directory, pageSize: 1000);
        var verifier = (await _store.ReadDirectoryAsync(Root, _directory, DirectoryCookie.Start, 0, new DirectoryEntry[1])).Value.CookieVerifier;
        var page = new DirectoryEntry[50];

        var tail = await _store.ReadDirectoryAsync(Root, _directory, all[^11].Cookie, verifier, page);

        Assert.That((tail.Value.Count, tail.Value.EndOfDirectory), Is.EqualTo((10, true)));
        Assert.That(page.Take(10).Select(e => e.Cookie), Is.EqualTo(all.TakeLast(10).Select(e => e.Cookie)));
    }
}
