using System.Collections.Generic;
using System.Text;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// Maps XDR identifiers to C# names: words are split at underscores, at lower-to-upper changes and where an
/// upper-case word with digits meets lower case ("GETATTR3args" is "GETATTR3" + "args"); each word is then
/// capitalised. nfs_fh3 -> NfsFh3, GETATTR3res -> Getattr3Res, NFS3ERR_NOENT -> Nfs3errNoent.
/// </summary>
internal static class Names
{
    public static string Pascal(string wire)
    {
        var builder = new StringBuilder(wire.Length);
        foreach (var word in Words(wire))
        {
            builder.Append(char.ToUpperInvariant(word[0]));
            builder.Append(word.Substring(1).ToLowerInvariant());
        }
        return builder.Length == 0 ? "_" : builder.ToString();
    }

    private static IEnumerable<string> Words(string wire)
    {
        var word = new StringBuilder();
        bool wordHasUpper = false, wordHasLower = false;
        for (int i = 0; i < wire.Length; i++)
        {
            char c = wire[i];
            if (c == '_')
            {
                if (word.Length > 0)
                    yield return Flush();
                continue;
            }
            if (word.Length > 0)
            {
                char previous = word[word.Length - 1];
                bool camelBreak = char.IsLower(previous) && char.IsUpper(c);
                bool suffixBreak = char.IsLower(c) && char.IsDigit(previous) && wordHasUpper && !wordHasLower;
                if (camelBreak || suffixBreak)
                    yield return Flush();
            }
            word.Append(c);
            wordHasUpper |= char.IsUpper(c);
            wordHasLower |= char.IsLower(c);
        }
        if (word.Length > 0)
            yield return Flush();

        string Flush()
        {
            string text = word.ToString();
            word.Clear();
            wordHasUpper = wordHasLower = false;
            return text;
        }
    }
}
