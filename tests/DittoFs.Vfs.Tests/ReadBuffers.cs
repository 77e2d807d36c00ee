using DittoFs.Storage;

namespace DittoFs.Vfs.Tests;

/// <summary>A read buffer that never borrows: the bytes are copied into an array.</summary>
internal sealed class CopyingReadBuffer : IReadBuffer
{
    public byte[] Bytes { get; private set; } = [];

    public bool Borrows(int length) => false;

    public Memory<byte> Allocate(int length) => Bytes = new byte[length];

    public void Borrow(ReadOnlyMemory<byte> bytes) => throw new InvalidOperationException("Not a borrowing buffer.");

    public void Hold(IDisposable loan) => throw new InvalidOperationException("Not a borrowing buffer.");
}

/// <summary>A read buffer that borrows whatever it can and gathers the lent pieces, returning the loans at once.</summary>
internal sealed class LentReadBuffer : IReadBuffer
{
    private readonly List<byte> _bytes = [];

    public byte[] Bytes => [.. _bytes];

    public bool Borrows(int length) => true;

    public Memory<byte> Allocate(int length) => throw new InvalidOperationException("A lending store must lend.");

    public void Borrow(ReadOnlyMemory<byte> bytes) => _bytes.AddRange(bytes.ToArray());

    public void Hold(IDisposable loan) => loan.Dispose();
}
