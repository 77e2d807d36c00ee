namespace DittoFs.Storage;

/// <summary>What CREATE, MKDIR, SYMLINK or MKNOD is to create: the type, requested attributes, and what only some types have.</summary>
public readonly record struct NewNode(FileType Type, SetAttributes Attributes)
{
    /// <summary>A failed check of the type-specific arguments, reported after the name's.</summary>
    public StoreStatus Check { get; init; }
    public DeviceNumber Device { get; init; }
    public byte[]? SymlinkTarget { get; init; }
    public ulong? CreateVerifier { get; init; }
}
