using DittoFs.Protocol;

namespace DittoFs.Tools.Nfs.Formatting;

/// <summary>ls -l's ten-character mode string (type, then rwx for owner, group, others with setuid/setgid/sticky).</summary>
internal static class FileModeText
{
    public static string Format(Ftype3 type, uint mode)
    {
        Span<char> text = stackalloc char[10];
        text[0] = type switch
        {
            Ftype3.Nf3dir => 'd',
            Ftype3.Nf3lnk => 'l',
            Ftype3.Nf3blk => 'b',
            Ftype3.Nf3chr => 'c',
            Ftype3.Nf3sock => 's',
            Ftype3.Nf3fifo => 'p',
            _ => '-',
        };
        Triple(text[1..4], mode >> 6, special: (mode & 0x800) != 0, specialChar: 's');
        Triple(text[4..7], mode >> 3, special: (mode & 0x400) != 0, specialChar: 's');
        Triple(text[7..10], mode, special: (mode & 0x200) != 0, specialChar: 't');
        return new string(text);
    }

    private static void Triple(Span<char> text, uint bits, bool special, char specialChar)
    {
        text[0] = (bits & 4) != 0 ? 'r' : '-';
        text[1] = (bits & 2) != 0 ? 'w' : '-';
        bool execute = (bits & 1) != 0;
        text[2] = special ? (execute ? specialChar : char.ToUpperInvariant(specialChar)) : execute ? 'x' : '-';
    }

    public static string TypeName(Ftype3 type) => type switch
    {
        Ftype3.Nf3reg => "regular file",
        Ftype3.Nf3dir => "directory",
        Ftype3.Nf3lnk => "symbolic link",
        Ftype3.Nf3blk => "block device",
        Ftype3.Nf3chr => "character device",
        Ftype3.Nf3sock => "socket",
        Ftype3.Nf3fifo => "fifo",
        _ => $"type {(int)type}",
    };
}
