using DittoFs.Tests;
using NUnit.Framework;

namespace DittoFs.Storage.Postgres.Tests;

/// <summary>One private PostgreSQL cluster for the whole test run, stopped at its end (also when tests fail).</summary>
[SetUpFixture]
public sealed class ClusterSetup
{
    internal static PostgresCluster Cluster { get; private set; } = null!;

    [OneTimeSetUp]
    public void StartCluster()
    {
        Cluster = PostgresCluster.Start();
        // If the test host ends without running the tear-down, the server must not outlive it.
        AppDomain.CurrentDomain.ProcessExit += StopOnExit;
    }

    [OneTimeTearDown]
    public void StopCluster()
    {
        AppDomain.CurrentDomain.ProcessExit -= StopOnExit;
        Cluster?.Dispose();
    }

    private static void StopOnExit(object? sender, EventArgs e) => Cluster?.Dispose();
}
