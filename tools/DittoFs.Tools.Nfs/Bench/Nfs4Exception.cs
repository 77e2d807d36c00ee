using System.Text;
using DittoFs.Protocol;

namespace DittoFs.Tools.Nfs.Bench;

/// <summary>An NFSv4 operation answered something other than NFS4_OK for a path: exit code 1, with the status name and the path.</summary>
internal sealed class Nfs4Exception(Nfsstat4 status, NfsOpnum4 operation, string path)
    : Exception($"{path}: {Name(status)} ({Name(operation)})")
{
    public Nfsstat4 Status { get; } = status;

    /// <summary>The RFC's name: <c>Nfs4errCompleteAlready</c> is NFS4ERR_COMPLETE_ALREADY.</summary>
    internal static string Name(Nfsstat4 status) => status.ToString() is var name && name.StartsWith("Nfs4err", StringComparison.Ordinal)
        ? "NFS4ERR_" + Snake(name["Nfs4err".Length..])
        : Snake(name);

    /// <summary>The RFC's name: <c>OpExchangeId</c> is EXCHANGE_ID.</summary>
    internal static string Name(NfsOpnum4 operation) => Snake(operation.ToString().StartsWith("Op", StringComparison.Ordinal) ? operation.ToString()[2..] : operation.ToString());

    private static string Snake(string pascal)
    {
        var text = new StringBuilder(pascal.Length + 4);
        foreach (char c in pascal)
        {
            if (char.IsAsciiLetterUpper(c) && text.Length > 0)
                text.Append('_');
            text.Append(char.ToUpperInvariant(c));
        }
        return text.ToString();
    }
}
