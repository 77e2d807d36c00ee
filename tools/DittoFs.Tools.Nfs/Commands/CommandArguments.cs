using System.CommandLine;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>Arguments several commands share, so they read and document the same everywhere.</summary>
internal static class CommandArguments
{
    public static Argument<string> Url(string name = "URL", string description = "nfs://host[:port]/export/path") =>
        new(name) { Description = description };

    public static Option<int> Depth() => new Option<int>("--depth", "-d")
    {
        Description = "READ/WRITE calls in flight at once",
        DefaultValueFactory = _ => 8,
    }.Within(1, 64);
}
