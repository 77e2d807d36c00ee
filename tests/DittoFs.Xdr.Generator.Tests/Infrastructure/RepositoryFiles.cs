namespace DittoFs.Xdr.Generator.Tests.Infrastructure;

/// <summary>Files of the repository the tests run from: the real IDL and this project's golden files.</summary>
public static class RepositoryFiles
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The folder that holds DittoFs.sln.</summary>
    public static string Root => RootPath.Value;

    public static string Idl(string fileName) => Path.Combine(Root, "idl", fileName);

    public static IReadOnlyList<string> AllIdl() =>
        Directory.GetFiles(Path.Combine(Root, "idl"), "*.x").OrderBy(p => p, StringComparer.Ordinal).ToList();

    public static string GoldenFolder => Path.Combine(Root, "tests", "DittoFs.Xdr.Generator.Tests", "Golden");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DittoFs.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No DittoFs.sln above {TestContext.CurrentContext.TestDirectory}.");
    }
}
