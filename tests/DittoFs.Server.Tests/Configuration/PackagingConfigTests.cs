using DittoFs.Server.Configuration;

namespace DittoFs.Server.Tests.Configuration;

/// <summary>
/// packaging/dittofs.yaml, the sample /etc/dittofs/dittofs.yaml, through the real loader with the real store types, and
/// against packaging/dittofs.service: every path it keeps data in is under the unit's StateDirectory (/var/lib/dittofs).
/// </summary>
public sealed class PackagingConfigTests
{
    private static string Packaged(string name) => Path.Combine(AppContext.BaseDirectory, "packaging", name);

    [Test]
    public void The_sample_configuration_loads_with_the_real_loader()
    {
        var config = ConfigLoader.LoadFile(Packaged("dittofs.yaml"), StoreRegistry.AvailableTypes);

        Assert.That(config.Shares.Select(share => share.Name), Is.EqualTo(new[] { "/export" }));
        Assert.That(config.Server.Port, Is.EqualTo(2049));
        Assert.That(config.Metadata.Stores.Values.Select(store => store.Type), Is.EqualTo(new[] { "rocksdb" }));
        Assert.That(config.Content.Stores.Values.Select(store => store.Type), Is.EqualTo(new[] { "filesystem" }));
    }

    [Test]
    public void The_sample_keeps_every_store_under_the_units_state_directory()
    {
        var config = ConfigLoader.LoadFile(Packaged("dittofs.yaml"), StoreRegistry.AvailableTypes);
        var unit = File.ReadAllLines(Packaged("dittofs.service"));

        Assert.That(unit, Does.Contain("StateDirectory=dittofs"));
        Assert.That(unit, Does.Contain("Type=notify"));
        Assert.That(unit.Single(line => line.StartsWith("ExecStart=", StringComparison.Ordinal)), Does.EndWith("--config /etc/dittofs/dittofs.yaml"));
        var paths = config.Metadata.Stores.Values.Select(store => store.Rocksdb!.DbPath)
            .Concat(config.Content.Stores.Values.Select(store => store.Filesystem!.Path))
            .Append(config.Locks.StateDir);
        Assert.That(paths, Has.All.StartWith("/var/lib/dittofs/"));
    }
}
