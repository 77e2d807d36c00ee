using System.Text;

namespace DittoFs.Nfs;

/// <summary>
/// The 32-bit id a share's file handles carry. Derived from the export path (FNV-1a over its UTF-8 bytes), so it
/// is the same after a restart and handles of persistent stores stay valid without a stored id table.
/// Two paths may hash alike; <see cref="ShareTable"/> refuses such a pair rather than mix their handles.
/// </summary>
public static class ShareId
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    public static uint FromExportPath(string exportPath)
    {
        uint hash = OffsetBasis;
        foreach (byte b in Encoding.UTF8.GetBytes(exportPath))
        {
            hash = (hash ^ b) * Prime;
        }
        return hash;
    }
}
