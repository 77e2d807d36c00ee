using Microsoft.Win32.SafeHandles;
using NUnit.Framework;

namespace DittoFs.Storage.FileSystem.Tests;

[TestFixture]
public sealed class FileHandleCacheTests
{
    private readonly TemporaryDirectories _directories = new("content");
    private string _root = null!;

    [SetUp]
    public void CreateRoot() => _root = _directories.Create();

    [OneTimeTearDown]
    public void DeleteDirectories() => _directories.Dispose();

    private SafeFileHandle OpenFile(string name) =>
        File.OpenHandle(Path.Combine(_root, name), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);

    private static ContentId Content(ulong low) => new(new UInt128(1, low));

    [Test]
    public void The_least_recently_used_handle_is_closed_when_the_cache_is_full()
    {
        using var cache = new FileHandleCache(capacity: 2);
        var first = OpenFile("a");
        cache.AddAndRent(Content(1), first).Dispose();
        cache.AddAndRent(Content(2), OpenFile("b")).Dispose();
        cache.TryRent(Content(1), out var again);
        again.Dispose(); // 1 is now more recent than 2

        cache.AddAndRent(Content(3), OpenFile("c")).Dispose();

        Assert.That(first.IsClosed, Is.False);
        Assert.That(cache.TryRent(Content(2), out _), Is.False, "2 was evicted");
    }

    [Test]
    public void A_leased_handle_is_not_evicted_and_the_cache_shrinks_back_once_leases_end()
    {
        using var cache = new FileHandleCache(capacity: 1);
        var first = OpenFile("a");
        var lease = cache.AddAndRent(Content(1), first);

        cache.AddAndRent(Content(2), OpenFile("b")).Dispose();
        Assert.That(first.IsClosed, Is.False, "in use");
        Assert.That(cache.TryRent(Content(1), out var again), Is.True, "a leased handle stays known");
        again.Dispose();

        lease.Dispose();
        var third = OpenFile("c");
        cache.AddAndRent(Content(3), third).Dispose();
        Assert.That(first.IsClosed, Is.True, "1 and 2 made room for 3");
        Assert.That(cache.TryRent(Content(2), out _), Is.False);
        Assert.That(third.IsClosed, Is.False);
    }

    [Test]
    public void Forgetting_tells_whether_a_lease_still_held_the_handle()
    {
        using var cache = new FileHandleCache(capacity: 4);
        var handle = OpenFile("a");
        var lease = cache.AddAndRent(Content(1), handle);
        cache.AddAndRent(Content(2), OpenFile("b")).Dispose();

        Assert.That(cache.Forget(Content(1)), Is.False, "leased");
        Assert.That(handle.IsClosed, Is.False, "closed only once the lease ends");
        lease.Dispose();
        Assert.That(handle.IsClosed, Is.True);
        Assert.That(cache.Forget(Content(2)), Is.True);
        Assert.That(cache.Forget(Content(3)), Is.True, "nothing cached");
    }

    [Test]
    public void A_forgotten_handle_is_closed_and_not_found_again()
    {
        using var cache = new FileHandleCache(capacity: 4);
        var handle = OpenFile("a");
        cache.AddAndRent(Content(1), handle).Dispose();

        cache.Forget(Content(1));

        Assert.That(handle.IsClosed, Is.True);
        Assert.That(cache.TryRent(Content(1), out _), Is.False);
    }

    [Test]
    public void A_handle_added_for_content_already_cached_is_closed_and_the_cached_one_leased()
    {
        using var cache = new FileHandleCache(capacity: 4);
        var cached = OpenFile("a");
        cache.AddAndRent(Content(1), cached).Dispose();
        var duplicate = OpenFile("a");

        using var lease = cache.AddAndRent(Content(1), duplicate);

        Assert.That(lease.Handle, Is.SameAs(cached));
        Assert.That(duplicate.IsClosed, Is.True);
    }
}
