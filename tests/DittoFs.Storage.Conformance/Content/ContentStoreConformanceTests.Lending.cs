using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

/// <summary>
/// <see cref="IContentLending"/>, for stores that lend: lent bytes are the bytes a read gives, and lent memory stays
/// as it was until the loans are returned, whatever happens to the content meanwhile. Other stores skip these.
/// </summary>
public abstract partial class ContentStoreConformanceTests
{
    private IContentLending LendingStore()
    {
        if (Store is IContentLending lending)
        {
            return lending;
        }
        Assert.Ignore("The store does not lend its bytes.");
        return null!; // not reached: Ignore throws
    }

    /// <summary>Lends up to <paramref name="count"/> bytes; the borrower holds what was lent, as many bytes as the store said.</summary>
    protected async Task<CollectingBorrower> LendAsync(ContentId content, ulong offset, int count)
    {
        var borrower = new CollectingBorrower();
        var lent = await LendingStore().LendAsync(content, offset, count, borrower);
        if (lent.Status != StoreStatus.Ok)
        {
            borrower.Return();
        }
        Assert.That(lent.Status, Is.EqualTo(StoreStatus.Ok), $"lend {count} at {offset}");
        Assert.That(borrower.Length, Is.EqualTo(lent.Value), "the pieces add up to what the store says it lent");
        return borrower;
    }

    /// <summary>What was lent; the loans are returned.</summary>
    private async Task<byte[]> LentBytesAsync(ContentId content, ulong offset, int count)
    {
        var borrower = await LendAsync(content, offset, count);
        var bytes = borrower.Materialise();
        borrower.Return();
        return bytes;
    }

    [Test]
    public async Task Lent_bytes_are_the_bytes_a_read_gives()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(300_000, 1));

        Assert.That(await LentBytesAsync(content, 10_000, 200_000), Is.EqualTo(await ReadAsync(content, 10_000, 200_000)));
        Assert.That(await LentBytesAsync(content, 0, 300_000), Is.EqualTo(Pattern(300_000, 1)));
    }

    [Test]
    public async Task A_lent_hole_is_zeros()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(10, 1));
        await WriteAsync(content, 3_000_000, Pattern(10, 2));

        var lent = await LentBytesAsync(content, 5, 3_000_000);

        Assert.That(lent, Has.Length.EqualTo(3_000_000));
        Assert.That(lent, Is.EqualTo(await ReadAsync(content, 5, 3_000_000)));
        Assert.That(lent[5..2_999_995], Is.All.Zero);
    }

    [Test]
    public async Task Lending_across_the_end_lends_only_what_is_there()
    {
        var content = NewContentId();
        var data = Pattern(100, 1);
        await WriteAsync(content, 0, data);

        Assert.That(await LentBytesAsync(content, 60, 100), Is.EqualTo(data[60..]));
    }

    [Test]
    public async Task Lending_at_or_past_the_end_lends_nothing()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(100, 1));

        foreach (var (offset, count) in new[] { (100UL, 10), (1_000_000UL, 10), (0UL, 0), (PosixRules.MaxFileSize, 10) })
        {
            var borrower = await LendAsync(content, offset, count);
            Assert.That(borrower.Length, Is.Zero, $"lend {count} at {offset}");
            borrower.Return();
        }
    }

    [Test]
    public async Task Content_never_written_lends_nothing()
    {
        var borrower = await LendAsync(NewContentId(), 0, 100);

        Assert.That(borrower.Length, Is.Zero);
        borrower.Return();
    }

    [Test]
    public async Task Random_lends_give_the_bytes_reads_give()
    {
        var content = NewContentId();
        var random = new Random(7);
        for (int i = 0; i < 50; i++)
        {
            int length = random.Next(1, 100_000);
            await WriteAsync(content, (ulong)random.Next(0, 2_000_000), Pattern(length, i));
        }

        for (int i = 0; i < 50; i++)
        {
            ulong offset = (ulong)random.Next(0, 2_200_000);
            int count = random.Next(1, 300_000);
            Assert.That(await LentBytesAsync(content, offset, count), Is.EqualTo(await ReadAsync(content, offset, count)), $"lend {count} at {offset}");
        }
    }

    [Test]
    public async Task After_the_loans_are_returned_the_store_writes_reads_and_deletes_as_before()
    {
        var first = NewContentId();
        var second = NewContentId();
        await WriteAsync(first, 0, Pattern(100_000, 1));
        await WriteAsync(second, 0, Pattern(100_000, 2));
        var borrowers = new[] { await LendAsync(first, 0, 100_000), await LendAsync(first, 500, 1000), await LendAsync(second, 0, 100_000) };
        foreach (var borrower in borrowers)
        {
            borrower.Return();
        }

        await WriteAsync(first, 50_000, Pattern(100_000, 3));
        Assert.That(await Store.DeleteAsync(second), Is.EqualTo(StoreStatus.Ok));
        var third = NewContentId();
        await WriteAsync(third, 0, Pattern(1000, 4));

        Assert.That(await ReadAsync(first, 0, 200_000), Is.EqualTo(Pattern(100_000, 1)[..50_000].Concat(Pattern(100_000, 3))));
        Assert.That(await ReadAsync(second, 0, 100), Is.Empty);
        Assert.That(await ReadAsync(third, 0, 2000), Is.EqualTo(Pattern(1000, 4)));
        Assert.That(await LentBytesAsync(third, 0, 2000), Is.EqualTo(Pattern(1000, 4)));
    }

    [Test]
    public async Task Lent_memory_is_unchanged_by_an_overwrite_before_the_loans_are_returned()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(300_000, 1));
        var borrower = await LendAsync(content, 0, 300_000);

        await WriteAsync(content, 0, Pattern(300_000, 2));

        AssertLentMemoryIsStill(borrower, Pattern(300_000, 1));
    }

    [Test]
    public async Task Lent_memory_is_unchanged_by_a_truncation_before_the_loans_are_returned()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(300_000, 1));
        var borrower = await LendAsync(content, 0, 300_000);

        Assert.That(await Store.TruncateAsync(content, 1000), Is.EqualTo(StoreStatus.Ok));
        Assert.That(await Store.TruncateAsync(content, 300_000), Is.EqualTo(StoreStatus.Ok)); // the tail comes back as zeros

        AssertLentMemoryIsStill(borrower, Pattern(300_000, 1));
    }

    [Test]
    public async Task Lent_memory_is_unchanged_by_a_deletion_before_the_loans_are_returned()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(300_000, 1));
        var borrower = await LendAsync(content, 0, 300_000);

        Assert.That(await Store.DeleteAsync(content), Is.EqualTo(StoreStatus.Ok));

        AssertLentMemoryIsStill(borrower, Pattern(300_000, 1));
    }

    [Test]
    public async Task Lent_memory_never_shows_the_bytes_of_content_written_after_a_deletion()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(300_000, 1));
        var borrower = await LendAsync(content, 0, 300_000);
        Assert.That(await Store.DeleteAsync(content), Is.EqualTo(StoreStatus.Ok));

        // Enough new content of the same shape to take whatever the deletion freed, were it reused while lent.
        for (int i = 0; i < 8; i++)
        {
            await WriteAsync(NewContentId(), 0, Pattern(300_000, 100 + i));
        }

        AssertLentMemoryIsStill(borrower, Pattern(300_000, 1));
    }

    /// <summary>The lent pieces hold <paramref name="original"/>'s bytes; then the loans are returned.</summary>
    private static void AssertLentMemoryIsStill(CollectingBorrower borrower, byte[] original)
    {
        Assert.That(borrower.Materialise(), Is.EqualTo(original));
        borrower.Return();
    }
}
