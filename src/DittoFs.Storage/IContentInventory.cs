namespace DittoFs.Storage;

/// <summary>
/// A content store that can list what it holds, for offline checks (<c>dittofs fsck</c>): content no file names
/// any more, or longer than its file. Never called on a request path: a listing may take long.
/// </summary>
public interface IContentInventory
{
    /// <summary>Every content id the store holds, with its length in bytes, in no particular order.</summary>
    IAsyncEnumerable<StoredContent> ListAsync(CancellationToken cancellationToken = default);
}

/// <summary>One piece of content a store holds (see <see cref="IContentInventory"/>).</summary>
public readonly record struct StoredContent(ContentId Id, ulong Length);
