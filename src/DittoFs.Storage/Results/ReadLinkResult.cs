namespace DittoFs.Storage;

/// <summary>READLINK's answer: the link's target bytes (not a copy: do not write to them) and its attributes.</summary>
public readonly record struct ReadLinkResult(ReadOnlyMemory<byte> Target, InodeAttributes Attributes);
