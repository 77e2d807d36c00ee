using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>The second URL of mv and ln: it must name the same server (ports, identity) as the first.</summary>
internal static class SecondUrl
{
    public static NfsUrl Parse(string text, NfsUrl first, string command)
    {
        var second = NfsUrl.Parse(text);
        if (!second.SameServerAs(first))
            throw new UsageException($"{command} works within one export: {second} names another server, port or identity than {first}");
        return second;
    }
}
