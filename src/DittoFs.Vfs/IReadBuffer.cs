using DittoFs.Storage;

namespace DittoFs.Vfs;

/// <summary>
/// Where <see cref="VirtualFileSystem.ReadAsync"/> puts the bytes it reads, given by the protocol adapter (which knows
/// where its reply goes): memory to copy them into, or, for a content store that lends
/// (<see cref="IContentLending"/>), the lent memory itself with the loans that keep it valid until it was sent.
/// One read per buffer: either <see cref="Allocate"/> once, or borrowed pieces that add up to the length read.
/// </summary>
public interface IReadBuffer : IContentBorrower
{
    /// <summary>Whether <paramref name="length"/> bytes should rather be lent than copied (a lent reply costs a send of its own).</summary>
    bool Borrows(int length);

    /// <summary>Memory for exactly <paramref name="length"/> bytes, which the read fills.</summary>
    Memory<byte> Allocate(int length);
}

/// <summary>
/// What a read found: the file's attributes (also on failure, where they could be read), how many bytes it read, and
/// whether they reach the end of the file.
/// </summary>
public readonly record struct ReadResult(InodeAttributes File, int Count, bool EndOfFile);
