namespace DittoFs.Storage.Memory;

/// <summary>
/// The chunks lent to one READ reply (<see cref="ChunkedContent.Lend"/>), each held until the reply has been sent
/// and the loan disposed. Loans are reused: a disposed loan goes back to its store's few spare ones.
/// </summary>
internal sealed class ChunkLoan : IDisposable
{
    private const int MaxSpare = 1024;
    private readonly List<Chunk> _chunks = [];
    private readonly Stack<ChunkLoan> _spare;

    private ChunkLoan(Stack<ChunkLoan> spare) => _spare = spare;

    /// <summary>A loan from <paramref name="spare"/> (the store's; also its lock), or a new one.</summary>
    public static ChunkLoan Rent(Stack<ChunkLoan> spare)
    {
        lock (spare)
        {
            if (spare.TryPop(out var loan))
            {
                return loan;
            }
        }
        return new ChunkLoan(spare);
    }

    /// <summary>Holds <paramref name="chunk"/> until the loan is disposed; called under the content's lock.</summary>
    public void Hold(Chunk chunk)
    {
        chunk.Lend();
        _chunks.Add(chunk);
    }

    /// <summary>Lets go of every chunk; once only (the borrower's contract).</summary>
    public void Dispose()
    {
        foreach (var chunk in _chunks)
        {
            chunk.Release();
        }
        _chunks.Clear();
        lock (_spare)
        {
            if (_spare.Count < MaxSpare)
            {
                _spare.Push(this);
            }
        }
    }
}
