using DittoFs.Protocol;

namespace DittoFs.Tools.Nfs.Session;

/// <summary>A file, directory or link found by path: its server path, handle and attributes.</summary>
internal readonly record struct NfsObject(string Path, NfsFh3 Handle, Fattr3 Attributes)
{
    public bool IsDirectory => Attributes.Type == Ftype3.Nf3dir;
}
