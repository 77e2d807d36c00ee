namespace DittoFs.Tools.Nfs.Urls;

/// <summary>Helpers for server paths as <see cref="NfsUrl.Path"/> holds them ("/export/dir/name", "/" for the root).</summary>
internal static class ServerPath
{
    public static string Join(string directory, string name) => directory == "/" ? "/" + name : directory + "/" + name;

    /// <summary>The last component, or "" for the root.</summary>
    public static string Name(string path) => path == "/" ? "" : path[(path.LastIndexOf('/') + 1)..];
}
