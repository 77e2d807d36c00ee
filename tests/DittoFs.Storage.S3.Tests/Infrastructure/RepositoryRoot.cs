namespace DittoFs.Storage.S3.Tests.Infrastructure;

/// <summary>The folder holding DittoFs.sln, found by walking up from the test binaries.</summary>
internal static class RepositoryRoot
{
    public static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DittoFs.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No DittoFs.sln above {AppContext.BaseDirectory}.");
    }
}
