using DittoFs.Benchmarks;
using DittoFs.Benchmarks.SharedServers;
using DittoFs.Server;
using DittoFs.Server.Configuration;

namespace DittoFs.Tools.Tests;

/// <summary>The benchmark program's shared-servers and getattr-latency modes: what they write and how they read their options.</summary>
public class SharedServersTests
{
    [Test]
    public void The_configuration_the_servers_run_loads_as_postgres_metadata_and_s3_content_of_one_share()
    {
        const string connection = "Host=127.0.0.1;Port=5433;Username=postgres;Database=t_1;Timeout=5";
        var config = ConfigLoader.Load(SharedServersConfig.Yaml(connection, "127.0.0.1:4569", "S3RVER", "SECRET"), StoreRegistry.AvailableTypes);

        var share = config.Shares.Single();
        Assert.Multiple(() =>
        {
            Assert.That(share.Name, Is.EqualTo("/export"));
            Assert.That(config.Metadata.Stores[share.MetadataStore].Type, Is.EqualTo("postgres"));
            Assert.That(config.Metadata.Stores[share.MetadataStore].Postgres!.ConnectionString, Is.EqualTo(connection));
            Assert.That(config.Content.Stores[share.ContentStore].Type, Is.EqualTo("s3"));
            Assert.That(config.Metrics.Enabled, Is.False);
        });
    }

    [Test]
    public void Options_give_the_server_the_folder_and_the_number_of_servers()
    {
        Assert.That(SharedServersRun.Parse(["--server", "/b/dittofs.dll", "--folder", "/tmp/x", "--servers", "2"]), Is.EqualTo(("/b/dittofs.dll", "/tmp/x", 2)));
        Assert.That(SharedServersRun.Parse(["--folder", "/tmp/x", "--server", "d.dll"]).Servers, Is.EqualTo(1));
    }

    [TestCase(new[] { "--folder", "/tmp/x" }, "--server DLL is required")]
    [TestCase(new[] { "--server", "d.dll" }, "--folder DIR is required")]
    [TestCase(new[] { "--server", "d.dll", "--folder", "f", "--servers", "0" }, "--servers 0: give a number of servers from 1 to 8")]
    [TestCase(new[] { "--server", "d.dll", "--folder", "f", "--servers", "two" }, "--servers two: give a number of servers from 1 to 8")]
    [TestCase(new[] { "--server", "d.dll", "--folder", "f", "--port", "1" }, "unknown option --port")]
    [TestCase(new[] { "--server" }, "unexpected argument '--server'")]
    public void A_missing_unknown_or_out_of_range_option_is_named(string[] args, string message) =>
        Assert.That(() => SharedServersRun.Parse(args), Throws.ArgumentException.With.Message.StartsWith(message));

    [TestCase(0.50, 3)]
    [TestCase(0.99, 5)]
    [TestCase(0.0, 1)]
    [TestCase(1.0, 5)]
    public void Latency_percentiles_are_nearest_rank(double quantile, long expected) =>
        Assert.That(GetattrLatency.Percentile([1, 2, 3, 4, 5], quantile), Is.EqualTo(expected));
}
