using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

public abstract partial class ContentStoreConformanceTests
{
    [Test]
    public async Task After_reopening_flushed_content_reads_back_with_its_hole()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(100, 1));
        await WriteAsync(content, 1_000_000, Pattern(100, 2));
        Assert.That(await Store.FlushAsync(content), Is.EqualTo(StoreStatus.Ok));

        await ReopenStoreAsync();

        Assert.That(await ReadAsync(content, 0, 100), Is.EqualTo(Pattern(100, 1)));
        Assert.That(await ReadAsync(content, 100, 999_900), Is.All.Zero);
        Assert.That(await ReadAsync(content, 1_000_000, 1000), Is.EqualTo(Pattern(100, 2)));
    }

    [Test]
    public async Task After_reopening_deleted_content_stays_deleted()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(100, 1));
        await Store.FlushAsync(content);
        Assert.That(await Store.DeleteAsync(content), Is.EqualTo(StoreStatus.Ok));

        await ReopenStoreAsync();

        Assert.That(await ReadAsync(content, 0, 100), Is.Empty);
    }

    [Test]
    public async Task After_reopening_a_truncation_keeps_its_length()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(10_000, 1));
        Assert.That(await Store.TruncateAsync(content, 3000), Is.EqualTo(StoreStatus.Ok));
        await Store.FlushAsync(content);

        await ReopenStoreAsync();

        Assert.That(await ReadAsync(content, 0, 10_000), Is.EqualTo(Pattern(10_000, 1)[..3000]));
    }
}
