namespace DittoFs.Storage;

/// <summary>The rights an ACCESS call asks about; the values are ACCESS3_* (RFC 1813 §3.3.4).</summary>
[Flags]
public enum AccessRights : uint
{
    None = 0,
    Read = 0x01,
    /// <summary>Look up a name in a directory.</summary>
    Lookup = 0x02,
    /// <summary>Rewrite existing data or directory entries.</summary>
    Modify = 0x04,
    /// <summary>Write beyond the end of a file or add directory entries.</summary>
    Extend = 0x08,
    /// <summary>Delete a directory entry.</summary>
    Delete = 0x10,
    /// <summary>Execute a file (no meaning for a directory).</summary>
    Execute = 0x20,
    All = Read | Lookup | Modify | Extend | Delete | Execute,
}
