namespace DittoFs.Fuzz.Targets;

/// <summary>Folds the values that describe what a run did into one 64-bit signature (FNV-1a over the values). Immutable: keep what Add returns.</summary>
internal readonly struct Signature
{
    private readonly ulong _hash;

    public Signature(ulong start) => _hash = 14695981039346656037UL ^ start;

    private Signature(ulong hash, bool _) => _hash = hash;

    public Signature Add(ulong value)
    {
        ulong hash = _hash;
        for (int i = 0; i < 8; i++)
        {
            hash ^= (byte)(value >> (8 * i));
            hash *= 1099511628211UL;
        }
        return new Signature(hash, true);
    }

    public ulong Value => _hash;
}
