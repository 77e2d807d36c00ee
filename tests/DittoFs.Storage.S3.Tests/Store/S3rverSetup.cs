using DittoFs.Storage.S3.Tests.Infrastructure;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Store;

/// <summary>Installs s3rver if needed and runs one instance for every test in this namespace.</summary>
[SetUpFixture]
public sealed class S3rverSetup
{
    private string _dataDirectory = "";

    internal static string Launcher { get; private set; } = "";
    internal static S3rverProcess Server { get; private set; } = null!;

    [OneTimeSetUp]
    public void StartS3rver()
    {
        Launcher = S3rverInstallation.EnsureInstalled(RepositoryRoot.Find());
        _dataDirectory = Directory.CreateTempSubdirectory("dittofs-s3rver-").FullName;
        Server = S3rverProcess.Start(Launcher, _dataDirectory);
    }

    [OneTimeTearDown]
    public void StopS3rver()
    {
        Server?.Dispose();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
