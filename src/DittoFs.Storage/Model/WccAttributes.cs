namespace DittoFs.Storage;

/// <summary>Pre-operation attributes a client compares with its cache (wcc_attr, RFC 1813 §2.6).</summary>
public readonly record struct WccAttributes(ulong Size, FileTime ModifyTime, FileTime ChangeTime);
