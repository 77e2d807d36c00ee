using DittoFs.Server.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DittoFs.Server.Tests.Configuration;

/// <summary>
/// packaging/dittofs.yaml, the sample /etc/dittofs/dittofs.yaml, through the real loader with the real store types, and
/// against packaging/dittofs.service: every path it keeps data in is under the unit's StateDirectory (/var/lib/dittofs).
/// packaging/several-servers (two servers over PostgreSQL + S3 behind HAProxy, a compose file users copy; no container
/// runtime here to start it): its configuration loads, and the compose file and the load balancer agree with it.
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

    [Test]
    public void The_several_servers_example_loads_and_its_compose_file_and_load_balancer_agree_with_it()
    {
        var config = ConfigLoader.LoadFile(Packaged("several-servers/dittofs.yaml"), StoreRegistry.AvailableTypes);
        var postgres = config.Metadata.Stores.Values.Single().Postgres!;
        var s3 = config.Content.Stores.Values.Single().S3!;
        var compose = (YamlMappingNode)LoadYaml("several-servers/compose.yaml");
        var services = (YamlMappingNode)compose["services"];
        var servers = services.Children.Where(service => ((YamlScalarNode)service.Key).Value!.StartsWith("dittofs-", StringComparison.Ordinal)).ToList();
        var haproxy = File.ReadAllLines(Packaged("several-servers/haproxy.cfg")).Select(line => line.Trim()).ToList();

        Assert.That(servers, Has.Count.GreaterThanOrEqualTo(2));
        foreach (var (name, service) in servers.Select(pair => (((YamlScalarNode)pair.Key).Value!, (YamlMappingNode)pair.Value)))
        {
            // Each server's own state (lock state, S3 block cache) is on its own volume at /data; everything else is shared.
            Assert.That(((YamlSequenceNode)service["volumes"]).Children.Select(volume => volume.ToString()), Is.EqualTo(new[] { $"{name}:/data" }), name);
            var environment = ((YamlMappingNode)service["environment"]).Children.Keys.Select(key => key.ToString()).ToList();
            Assert.That(environment, Does.Contain(postgres.PasswordEnv).And.Contain("AWS_ACCESS_KEY_ID").And.Contain("AWS_SECRET_ACCESS_KEY"), name);
            Assert.That(haproxy, Does.Contain($"server {name[^1]} {name}:{config.Server.Port}").And.Contain($"server {name[^1]} {name}:111"), name);
        }
        Assert.That(new[] { config.Locks.StateDir, s3.CacheDirectory }, Has.All.StartWith("/data/"));
        Assert.That(config.Server.Portmap, Is.Not.EqualTo("false"), "the load balancer forwards port 111 to the servers' portmappers");
        Assert.That(haproxy, Does.Contain($"default-server check port {config.Metrics.Port} inter 2s fall 2 rise 2 on-marked-down shutdown-sessions"));
        Assert.That(services.Children.Keys.Select(key => key.ToString()), Does.Contain(new Uri(s3.Endpoint).Host).And.Contain(
            postgres.ConnectionString.Split(';').Single(part => part.StartsWith("Host=", StringComparison.Ordinal))["Host=".Length..]));
        Assert.That(services["bucket"]["command"].ToString(), Does.Contain($"minio/{s3.Bucket}"));
    }

    private static YamlNode LoadYaml(string name)
    {
        var stream = new YamlStream();
        using var reader = File.OpenText(Packaged(name));
        stream.Load(new MergingParser(new Parser(reader))); // the servers share their settings through a "<<:" merge key
        return stream.Documents.Single().RootNode;
    }
}
