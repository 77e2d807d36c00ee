using NUnit.Framework;

namespace DittoFs.Storage.FileSystem.Tests;

/// <summary>
/// Lending a file range: what the conformance suite cannot see, the loan's lease on the cached handle, which keeps
/// the file out of the spares and the handle open until the bytes are sent.
/// </summary>
[TestFixture]
public sealed class FileSystemContentStoreLendingTests
{
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

    private static async Task<CollectingBorrower> LendAsync(FileSystemContentStore store, ContentId content, ulong offset, int count)
    {
        var borrower = new CollectingBorrower();
        var lent = await store.LendAsync(content, offset, count, borrower);
        Assert.That(lent.Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That(borrower.Length, Is.EqualTo(lent.Value));
        return borrower;
    }

    [Test]
    public async Task A_range_is_lent_as_one_file_piece_with_one_loan()
    {
        using var store = new FileSystemContentStore(_root);
        await store.WriteAsync(Content(1), 0, Pattern(100_000, 1));

        var borrower = await LendAsync(store, Content(1), 1000, 200_000);

        Assert.That(borrower.Pieces, Has.Count.EqualTo(1));
        Assert.That(borrower.Pieces[0], Has.Property(nameof(CollectingBorrower.Piece.IsFile)).True
            .And.Property(nameof(CollectingBorrower.Piece.FileOffset)).EqualTo(1000)
            .And.Property(nameof(CollectingBorrower.Piece.Length)).EqualTo(99_000));
        Assert.That(borrower.Loans, Has.Count.EqualTo(1));
        borrower.Return();
    }

    [Test]
    public async Task Nothing_to_lend_holds_no_loan()
    {
        using var store = new FileSystemContentStore(_root);
        await store.WriteAsync(Content(1), 0, Pattern(100, 1));

        var pastTheEnd = await LendAsync(store, Content(1), 100, 10);
        var neverWritten = await LendAsync(store, Content(2), 0, 10);

        Assert.That(pastTheEnd.Loans, Is.Empty);
        Assert.That(neverWritten.Loans, Is.Empty);
        Assert.That(await store.DeleteAsync(Content(1)), Is.EqualTo(StoreStatus.Ok));
        Assert.That(store.SpareFileCount, Is.EqualTo(1), "no lease was left behind: the file became a spare");
    }

    [Test]
    public async Task A_file_lent_when_its_content_is_deleted_is_deleted_not_kept_for_new_content()
    {
        using var store = new FileSystemContentStore(_root);
        await store.WriteAsync(Content(1), 0, Pattern(8192, 1));
        await store.WriteAsync(Content(2), 0, Pattern(10, 2));
        await store.DeleteAsync(Content(2));
        Assert.That(store.SpareFileCount, Is.EqualTo(1));
        var borrower = await LendAsync(store, Content(1), 0, 8192);

        Assert.That(await store.DeleteAsync(Content(1)), Is.EqualTo(StoreStatus.Ok));
        Assert.That(store.SpareFileCount, Is.EqualTo(1), "a lent file is not kept for new content");
        // New content takes the one spare there is, and fills it; the lent file is another.
        Assert.That(await store.WriteAsync(Content(3), 0, Pattern(8192, 3)), Is.EqualTo(StoreStatus.Ok));
        Assert.That(store.SpareFileCount, Is.Zero);

        Assert.That(borrower.Materialise(), Is.EqualTo(Pattern(8192, 1)), "the deleted file still reads as it was");
        borrower.Return();
    }

    [Test]
    public async Task After_the_loan_is_returned_a_deleted_file_is_kept_for_new_content()
    {
        using var store = new FileSystemContentStore(_root);
        await store.WriteAsync(Content(1), 0, Pattern(8192, 1));
        var borrower = await LendAsync(store, Content(1), 0, 8192);
        borrower.Return();

        Assert.That(await store.DeleteAsync(Content(1)), Is.EqualTo(StoreStatus.Ok));

        Assert.That(store.SpareFileCount, Is.EqualTo(1));
    }

    [Test]
    public async Task A_loan_disposed_twice_is_returned_once()
    {
        using var store = new FileSystemContentStore(_root);
        await store.WriteAsync(Content(1), 0, Pattern(8192, 1));
        var first = await LendAsync(store, Content(1), 0, 8192);
        var second = await LendAsync(store, Content(1), 0, 8192);

        var loan = first.Loans.Single();
        loan.Dispose();
        loan.Dispose();

        var third = await LendAsync(store, Content(1), 0, 8192);
        var fourth = await LendAsync(store, Content(1), 0, 8192);
        Assert.That(third.Loans.Single(), Is.Not.SameAs(fourth.Loans.Single()), "a pooled loan is lent to one borrower at a time");
        third.Return();
        Assert.That(await store.DeleteAsync(Content(1)), Is.EqualTo(StoreStatus.Ok));
        Assert.That(store.SpareFileCount, Is.Zero, "the second and fourth loans still hold the file");
        Assert.That(second.Materialise(), Is.EqualTo(Pattern(8192, 1)));
        second.Return();
        fourth.Return();
    }

    [Test]
    public async Task A_lent_handle_stays_open_while_other_files_need_the_cache()
    {
        using var store = new FileSystemContentStore(_root, maxOpenFiles: 1);
        await store.WriteAsync(Content(1), 0, Pattern(8192, 1));
        var borrower = await LendAsync(store, Content(1), 0, 8192);

        for (ulong i = 2; i < 10; i++)
        {
            Assert.That(await store.WriteAsync(Content(i), 0, Pattern(100, (int)i)), Is.EqualTo(StoreStatus.Ok));
        }

        Assert.That(borrower.Materialise(), Is.EqualTo(Pattern(8192, 1)));
        borrower.Return();
    }
}
