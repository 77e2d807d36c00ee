using System.Collections.Frozen;
using System.Text;

namespace DittoFs.Xdr;

/// <summary>
/// Turns the generator's C# names back into the RFC's: it writes NFS3ERR_NOT_SYNC as <c>Nfs3errNotSync</c> and
/// NFSPROC3_GETATTR's procedure as <c>Getattr</c>, so an underscore before each inner capital, upper-cased, gives
/// NFS3ERR_NOT_SYNC and GETATTR again. Metrics label with these names and logs print them, so both read alike.
/// </summary>
public static class WireName
{
    public static string Upper(string pascal) => Split(pascal).ToUpperInvariant();

    public static string Lower(string pascal) => Split(pascal).ToLowerInvariant();

    /// <summary>The upper-case wire name of a generated enum's value (built once per type, no allocation per call).</summary>
    public static string Of<T>(T value) where T : struct, Enum =>
        Names<T>.ByValue.TryGetValue(value, out string? name) ? name : value.ToString();

    private static class Names<T> where T : struct, Enum
    {
        public static readonly FrozenDictionary<T, string> ByValue = Enum.GetValues<T>().Distinct().ToFrozenDictionary(v => v, v => Upper(v.ToString()));
    }

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
