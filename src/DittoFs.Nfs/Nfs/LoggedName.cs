using System.Text;

namespace DittoFs.Nfs;

/// <summary>
/// A file name as a log line shows it: quoted UTF-8 (bytes that are not UTF-8 as U+FFFD). Decoded only when the line
/// is written, so a call whose level is off pays nothing for it.
/// </summary>
internal readonly struct LoggedName(ReadOnlyMemory<byte> name)
{
    public override string ToString() => $"'{Encoding.UTF8.GetString(name.Span)}'";
}
