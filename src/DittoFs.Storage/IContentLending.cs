using Microsoft.Win32.SafeHandles;

namespace DittoFs.Storage;

/// <summary>
/// A content store that can lend its bytes instead of copying them: a large READ reply is then sent straight from
/// the store's memory or file, and the copy into the reply buffer is saved. The lent pieces stay valid until the
/// borrower returns the loans it was handed (<see cref="IContentBorrower.Hold"/>), whatever writes, truncations or
/// deletions happen meanwhile; in particular freed memory or a file kept for reuse is never handed to other
/// content while lent, so a reply can never carry another file's bytes.
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

    /// <summary>
    /// <paramref name="length"/> bytes of an open file from <paramref name="offset"/>, read when they are sent (a later
    /// write may show in them). If the file has become shorter by then, the missing bytes are sent as zeros. The
    /// handle stays open until the loans are returned.
    /// </summary>
    void Borrow(SafeFileHandle file, long offset, int length);

    /// <summary>A loan, disposed exactly once when the borrowed bytes have been sent or dropped.</summary>
    void Hold(IDisposable loan);
}
