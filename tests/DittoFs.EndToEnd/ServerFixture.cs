namespace DittoFs.EndToEnd;

/// <summary>A fixture with one dittofs process, started with no arguments but the port (the embedded default).</summary>
public abstract class ServerFixture
{
    private protected DittoFsProcess Server { get; private set; } = null!;

    protected virtual string[] ServerArguments => [];

    [OneTimeSetUp]
    public void StartServer() => Server = DittoFsProcess.Start(ServerArguments);

    [OneTimeTearDown]
    public void StopServer() => Server?.Dispose();

    [TearDown]
    public void ShowServerOutputOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
            TestContext.Out.WriteLine("dittofs output:\n" + Server.Output);
    }

    /// <summary>A fresh directory name per test, so tests sharing the server do not collide.</summary>
    protected static string UniqueName(string prefix) => $"/{prefix}-{Guid.NewGuid():N}";
}
