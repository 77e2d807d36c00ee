using System.Collections.Generic;
using System.Text;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// Maps XDR identifiers to C# names: words are split at underscores, at lower-to-upper changes and where an
/// upper-case word with digits meets lower case ("GETATTR3args" is "GETATTR3" + "args"); each word is then
/// capitalised. nfs_fh3 -> NfsFh3, GETATTR3res -> Getattr3Res, NFS3ERR_NOENT -> Nfs3errNoent.
/// File names (which may hold other characters) go through the same rules: rpc_prot.x -> RpcProtConstants.
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
        if (builder.Length == 0 || char.IsDigit(builder[0]))
            builder.Insert(0, '_'); // still a C# identifier
        return builder.ToString();
    }

    /// <summary>
    /// The name of the source generated from an .x file: its file name without extension, with anything but
    /// letters, digits, '_', '-' and '.' replaced, since the compiler takes only those in a source's hint name.
    /// </summary>
    public static string FileStem(string path)
    {
        var stem = new StringBuilder(System.IO.Path.GetFileNameWithoutExtension(path));
        for (int i = 0; i < stem.Length; i++)
            if (!char.IsLetterOrDigit(stem[i]) && stem[i] is not ('_' or '-' or '.'))
                stem[i] = '_';
        return stem.Length == 0 ? "_" : stem.ToString();
    }

    private static IEnumerable<string> Words(string wire)
    {
        var word = new StringBuilder();
        bool wordHasUpper = false, wordHasLower = false;
        for (int i = 0; i < wire.Length; i++)
        {
            char c = wire[i];
            if (!char.IsLetterOrDigit(c)) // '_' in XDR names; also '-' or '.' in file names
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
