namespace DittoFs.Storage;

/// <summary>
/// A content store that can lend the memory it keeps its bytes in instead of copying them: a large READ reply is
/// then sent straight from there, and the copy into the reply buffer is saved. The lent memory stays unchanged
/// until the borrower returns the loans it was handed (<see cref="IContentBorrower.Hold"/>), whatever writes,
/// truncations or deletions happen meanwhile; in particular freed memory is never handed to other content while
/// lent, so a reply can never carry another file's bytes.
/// <para>
/// Only stores that keep bytes in memory lend: a file's bytes lent to <c>sendfile</c> cost the server more CPU
/// per byte than copying them (measured, docs/performance.md).
/// </para>
/// </summary>
public interface IContentLending
{
    /// <summary>
    /// Lends up to <paramref name="count"/> bytes from <paramref name="offset"/> to <paramref name="borrower"/>, in
    /// order, and returns how many it lent: fewer than asked only at the content's end, as
    /// <see cref="IContentStore.ReadAsync"/> reads. Holes are lent as zeros. After a failure the borrower drops
    /// whatever it was handed (and returns the loans).
    /// </summary>
    ValueTask<StoreResult<int>> LendAsync(ContentId content, ulong offset, int count, IContentBorrower borrower, CancellationToken cancellationToken = default);
}

/// <summary>What a lending store hands its bytes to (see <see cref="IContentLending"/>).</summary>
public interface IContentBorrower
{
    /// <summary>Bytes in memory, unchanged until the loans are returned.</summary>
    void Borrow(ReadOnlyMemory<byte> bytes);

    /// <summary>A loan, disposed exactly once when the borrowed bytes have been sent or dropped.</summary>
    void Hold(IDisposable loan);
}
