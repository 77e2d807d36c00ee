namespace DittoFs.Storage;

/// <summary>
/// What a checked RENAME works on, read under its locks. <see cref="Target"/> and <see cref="TargetEntry"/> are
/// default when the new name is free (<see cref="HasTarget"/>); <see cref="From"/> and <see cref="To"/> are read
/// separately even when they are one directory.
/// </summary>
public readonly ref struct RenameParts<TNode, TEntry>(
    in TNode from, ReadOnlySpan<byte> fromName, in TEntry sourceEntry, in TNode source,
    in TNode to, ReadOnlySpan<byte> toName, in TEntry targetEntry, in TNode target, bool hasTarget, bool movesDirectory)
{
    public TNode From { get; } = from;
    public ReadOnlySpan<byte> FromName { get; } = fromName;
    public TEntry SourceEntry { get; } = sourceEntry;
    public TNode Source { get; } = source;
    public TNode To { get; } = to;
    public ReadOnlySpan<byte> ToName { get; } = toName;
    public TEntry TargetEntry { get; } = targetEntry;
    public TNode Target { get; } = target;
    public bool HasTarget { get; } = hasTarget;

    /// <summary>A directory moves to another parent: its ".." and both directories' link counts change.</summary>
    public bool MovesDirectory { get; } = movesDirectory;
}
