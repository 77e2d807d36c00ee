using System.Text;

namespace DittoFs.Server.Metrics;

/// <summary>
/// Turns the generator's C# names back into the RFC's: it writes NFS3ERR_NOT_SYNC as <c>Nfs3errNotSync</c> and
/// NFSPROC3_GETATTR's procedure as <c>Getattr</c>, so an underscore before each inner capital, upper-cased, gives
/// NFS3ERR_NOT_SYNC and GETATTR again. Used once per label value when the tag tables are built.
/// </summary>
internal static class WireName
{
    public static string Upper(string pascal) => Split(pascal).ToUpperInvariant();

    public static string Lower(string pascal) => Split(pascal).ToLowerInvariant();

    private static string Split(string pascal)
    {
        var name = new StringBuilder(pascal.Length + 4);
        for (int i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]))
                name.Append('_');
            name.Append(pascal[i]);
        }
        return name.ToString();
    }
}
