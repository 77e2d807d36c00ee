namespace DittoFs.Storage;

/// <summary>The type of a file system object; the values are ftype3's (RFC 1813 §2.5).</summary>
public enum FileType
{
    Regular = 1,
    Directory = 2,
    BlockDevice = 3,
    CharDevice = 4,
    Symlink = 5,
    Socket = 6,
    Fifo = 7,
}
