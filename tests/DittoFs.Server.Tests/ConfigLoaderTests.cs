using DittoFs.Server.Configuration.Model;
using DittoFs.Server;
using DittoFs.Server.Configuration;

namespace DittoFs.Server.Tests;

public sealed class ConfigLoaderTests
{
    // The example of the persistent-stores issue, with rocksdb in place of the Go original's badger.
    private const string Example = """
        metadata:
          stores:
            fast-meta: { type: memory }
            persistent-meta: { type: rocksdb, rocksdb: { db_path: /data/metadata } }
        content:
          stores:
            fast-content: { type: memory }
            disk-content: { type: filesystem, filesystem: { path: /data/content } }
            s3-content: { type: s3, s3: { region: us-east-1, bucket: my-bucket, endpoint: "http://127.0.0.1:9000" } }
        shares:
          - name: /temp
            metadata_store: fast-meta
            content_store: fast-content
          - name: /archive
            metadata_store: persistent-meta
            content_store: s3-content
        """;

    private static readonly StoreTypes AllTypes = new(["memory", "rocksdb"], ["memory", "filesystem", "s3"]);

    [Test]
    public void The_example_loads_as_written()
    {
        var config = ConfigLoader.Load(Example, AllTypes);
        Assert.That(config.Shares.Select(s => (s.Name, s.MetadataStore, s.ContentStore)),
            Is.EqualTo(new[] { ("/temp", "fast-meta", "fast-content"), ("/archive", "persistent-meta", "s3-content") }));
        Assert.That(config.Metadata.Stores["persistent-meta"].Rocksdb!.DbPath, Is.EqualTo("/data/metadata"));
        Assert.That(config.Content.Stores["s3-content"].S3!.Bucket, Is.EqualTo("my-bucket"));
        Assert.That(config.Server.Port, Is.EqualTo(2049), "defaults fill what the file leaves out");
    }

    private static ConfigException Refused(string text, ConfigOverrides? overrides = null) =>
        Assert.Throws<ConfigException>(() => ConfigLoader.Load(text, AllTypes, overrides))!;

    [Test]
    public void An_unknown_key_is_named_by_its_full_path_and_line_with_the_nearest_valid_name()
    {
        var error = Refused(Example.Replace("content_store: fast-content", "content_stor: fast-content"));
        var unknown = error.Errors.Single(e => e.Key == "shares[0].content_stor");
        Assert.That((unknown.Line, unknown.Column), Is.EqualTo((13, 5)));
        Assert.That(unknown.Problem, Is.EqualTo("unknown key; did you mean 'content_store'?"));
        Assert.That(error.Errors.Select(e => e.Key), Does.Contain("shares[0].content_store"), "and the required key is missing");
    }

    [TestCase("metrics: { log_level: DEBUG }", "metrics.log_level", "unknown key here; it belongs at server.log_level")]
    [TestCase("server: { colour: blue }", "server.colour", "unknown key; valid here: address, port, log_level, log_format")]
    public void An_unknown_key_far_from_any_valid_name_says_where_it_belongs_or_what_is_valid(string yaml, string key, string problem)
    {
        var error = Refused(yaml + "\n" + Example);
        Assert.That(error.Key, Is.EqualTo(key));
        Assert.That(error.Problem, Does.StartWith(problem));
    }

    [Test]
    public void Every_error_of_a_file_is_reported_in_one_run_in_file_order()
    {
        string text = """
            server:
              log_levle: DEBUG
              port: 70000
            metrics:
              port: abc
            locks:
              lease_time: 2s

            """ + Example.Replace("name: /archive", "name: archive");

        var error = Refused(text);

        Assert.That(error.Errors.Select(e => (e.Line, e.Key)), Is.EqualTo(new[]
        {
            (2, "server.log_levle"), (3, "server.port"), (5, "metrics.port"), (7, "locks.lease_time"), (21, "shares[1].name"),
        }));
        Assert.That(error.Errors[0].Problem, Does.Contain("did you mean 'log_level'?"));
        Assert.That(error.Errors[1].Problem, Is.EqualTo("70000 is not between 0 and 65535"));
        Assert.That(error.Message.Split('\n'), Has.Length.EqualTo(5), "one line per error");
        Assert.That(error.Message.Split('\n')[0], Is.EqualTo("config error at line 2, column 3: server.log_levle: unknown key; did you mean 'log_level'?"));
    }

    [Test]
    public void Words_are_read_in_any_case_in_the_file_and_kept_in_their_listed_case()
    {
        var server = ConfigLoader.Load("server: { log_format: JSON, log_level: debug, portmap: Auto, udp: FALSE, dump_restricted: True }\n" + Example, AllTypes).Server;
        Assert.That((server.LogFormat, server.LogLevel, server.Portmap, server.Udp, server.DumpRestricted), Is.EqualTo(("json", "DEBUG", "auto", "false", true)));
    }

    [Test]
    public void A_key_of_the_wrong_shape_says_what_it_should_be()
    {
        var error = Refused("server: [1, 2]\n" + Example);
        Assert.That((error.Key, error.Line), Is.EqualTo(("server", 1)));
        Assert.That(error.Problem, Does.StartWith("is a list; expected keys: address, port, log_level"));
    }

    [Test]
    public void A_share_naming_an_undefined_store_is_an_error_listing_the_defined_ones()
    {
        var error = Refused(Example.Replace("metadata_store: persistent-meta", "metadata_store: missing-meta"));
        Assert.That(error.Key, Is.EqualTo("shares[1].metadata_store"));
        Assert.That(error.Line, Is.EqualTo(15));
        Assert.That(error.Problem, Does.Contain("fast-meta").And.Contain("persistent-meta"));
    }

    [Test]
    public void An_unknown_store_type_lists_the_valid_types()
    {
        var error = Refused(Example.Replace("type: rocksdb", "type: badger"));
        Assert.That(error.Key, Is.EqualTo("metadata.stores.persistent-meta.type"));
        Assert.That(error.Line, Is.EqualTo(4));
        Assert.That(error.Problem, Does.Contain("memory, rocksdb"));
    }

    [Test]
    public void A_rocksdb_store_without_a_path_is_an_error()
    {
        var error = Refused(Example.Replace(", rocksdb: { db_path: /data/metadata }", ""));
        Assert.That(error.Key, Is.EqualTo("metadata.stores.persistent-meta.rocksdb.db_path"));
    }

    [TestCase("512KiB")]
    [TestCase("lots")]
    public void A_rocksdb_block_cache_size_that_cannot_work_is_an_error_at_its_key(string size)
    {
        var error = Refused(Example.Replace("db_path: /data/metadata", $"db_path: /data/metadata, block_cache_size: {size}"));
        Assert.That(error.Key, Is.EqualTo("metadata.stores.persistent-meta.rocksdb.block_cache_size"));
        Assert.That(error.Problem, Does.StartWith($"'{size}' is not").And.Contain("at least 1MiB"));
    }

    [TestCase("b1")]
    [TestCase("My-Bucket")]
    [TestCase("-bucket")]
    [TestCase("a..b")]
    public void A_bucket_name_s3_refuses_is_an_error_at_its_key(string bucket)
    {
        var error = Refused(Example.Replace("bucket: my-bucket", $"bucket: {bucket}"));
        Assert.That(error.Key, Is.EqualTo("content.stores.s3-content.s3.bucket"));
        Assert.That(error.Line, Is.GreaterThan(0));
    }

    [Test]
    public void An_s3_store_without_an_endpoint_is_an_error_at_its_key()
    {
        var error = Refused(Example.Replace(", endpoint: \"http://127.0.0.1:9000\"", ""));
        Assert.That(error.Key, Is.EqualTo("content.stores.s3-content.s3.endpoint"));
    }

    [TestCase("cache_memory_bytes: 1MiB", "cache_memory_bytes", "'1MiB' is less than one block (block_size 4MiB); 0 turns the memory cache off")]
    [TestCase("cache_directory: /var/cache/dittofs, cache_disk_bytes: 1MiB", "cache_disk_bytes", "'1MiB' is less than one block (block_size 4MiB)")]
    [TestCase("read_ahead_blocks: 65", "read_ahead_blocks", null)]
    public void An_s3_cache_setting_that_cannot_work_is_an_error_at_its_key(string settings, string key, string? problem)
    {
        var error = Refused(Example.Replace("bucket: my-bucket", $"bucket: my-bucket, {settings}"));
        Assert.That(error.Key, Is.EqualTo($"content.stores.s3-content.s3.{key}"));
        if (problem is not null)
        {
            Assert.That(error.Errors.Single().Problem, Is.EqualTo(problem));
        }
    }

    [Test]
    public void The_s3_cache_settings_reach_the_store_options()
    {
        var config = ConfigLoader.Load(Example.Replace("bucket: my-bucket", "bucket: my-bucket, cache_memory_bytes: 0, cache_directory: /var/cache/dittofs, cache_disk_bytes: 2GiB, read_ahead_blocks: 8"), AllTypes);

        var options = StoreRegistry.S3Options(config.Content.Stores["s3-content"].S3!);

        Assert.That((options.CacheMemoryBytes, options.CacheDirectory, options.CacheDiskBytes, options.ReadAheadBlocks),
            Is.EqualTo((0L, "/var/cache/dittofs", 2L * 1024 * 1024 * 1024, 8)));
    }

    [Test]
    public void A_wrongly_typed_value_is_an_error_at_its_line()
    {
        var error = Refused("server:\n  port: lots\n" + Example);
        Assert.That((error.Key, error.Line, error.Problem), Is.EqualTo(("server.port", 2, "'lots' is not an integer from 0 to 65535")));
    }

    [Test]
    public void A_bad_cidr_names_the_list_entry()
    {
        string text = Example + "\n    allowed_clients: [10.0.0.0/8, not-a-network]";
        var error = Refused(text);
        Assert.That(error.Key, Is.EqualTo("shares[1].allowed_clients[1]"));
    }

    [Test]
    public void Allowed_clients_take_IPv6_networks_and_single_addresses()
    {
        var config = ConfigLoader.Load(Example + "\n    allowed_clients: [\"fd00::/8\", \"::1\", 10.0.0.0/8, 192.168.1.7]", AllTypes);

        var networks = config.Shares[1].AllowedClients.Select(text => ConfigLoader.TryParseCidr(text, out var network) ? network.ToString() : "?");
        Assert.That(networks, Is.EqualTo(new[] { "fd00::/8", "::1/128", "10.0.0.0/8", "192.168.1.7/32" }));
    }

    [TestCase("", null)]
    [TestCase("127.0.0.1", "127.0.0.1")]
    [TestCase("::1", "::1")]
    [TestCase("[::1]", "::1")]
    [TestCase("0.0.0.0", "0.0.0.0")]
    [TestCase("::", "::")]
    [TestCase("fd00::2", "fd00::2")]
    public void A_listen_address_is_an_IP_literal_or_empty_for_every_address(string text, string? expected)
    {
        Assert.That(ListenAddress.TryParse(text, out var address), Is.True);
        Assert.That(address?.ToString(), Is.EqualTo(expected));
    }

    [TestCase("server:\n  address: localhost\n", "server.address", 2)]
    [TestCase("server:\n  port: 2049\n  address: 10.1\n", "server.address", 3)]
    [TestCase("server:\n  address: \"::1%lo\"\n", "server.address", 2)]
    [TestCase("metrics:\n  address: 300.1.1.1\n", "metrics.address", 2)]
    [TestCase("metrics:\n  address: \"::1%lo\"\n", "metrics.address", 2)]
    public void A_bad_listen_address_names_its_key_and_line(string section, string key, int line)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(section + Example, AllTypes))!;

        Assert.That((error.Key, error.Line), Is.EqualTo((key, line)));
        Assert.That(error.Message, Does.Not.Contain("\n"), "one line");
    }

    [TestCase("::1")]
    [TestCase("::")]
    [TestCase("[fd00::2]")]
    public void Metrics_address_takes_IPv6(string address)
    {
        var config = ConfigLoader.Load($"metrics:\n  address: \"{address}\"\n" + Example, AllTypes);

        Assert.That(config.Metrics.Address, Is.EqualTo(address));
    }

    [Test]
    public void Server_and_metrics_addresses_default_to_every_address()
    {
        var config = ConfigLoader.Load(Example, AllTypes);

        Assert.That((config.Server.Address, config.Metrics.Address), Is.EqualTo(("", "")));
        Assert.That(ListenAddress.ToBind("", "server.address"), Is.EqualTo(System.Net.IPAddress.IPv6Any), "dual-stack where the host has IPv6 (this one does)");
    }

    [Test]
    public void The_listen_flag_replaces_server_address_and_is_checked_like_it()
    {
        var config = ConfigLoader.Load(Example, AllTypes, new ConfigOverrides(Flags: new CommandLineOverrides(Listen: "::1")));
        Assert.That(config.Server.Address, Is.EqualTo("::1"));

        var error = Refused(Example, new ConfigOverrides(Flags: new CommandLineOverrides(Listen: "my-host")));
        Assert.That(error.Key, Is.EqualTo("--listen"));
        Assert.That(ConfigModel.FlagOf("server.address"), Is.EqualTo("--listen"));
    }

    [Test]
    public void A_share_exported_twice_is_an_error()
    {
        var error = Refused(Example.Replace("name: /archive", "name: /temp"));
        Assert.That(error.Key, Is.EqualTo("shares[1].name"));
    }

    [Test]
    public void A_bad_log_level_lists_the_levels()
    {
        var error = Refused("server: { log_level: LOUD }\n" + Example);
        Assert.That(error.Problem, Does.Contain("DEBUG, INFO, WARN, ERROR"));
    }

    [Test]
    public void Lock_ports_of_their_own_are_accepted()
    {
        Assert.That(ConfigLoader.Load("server: { nsm_port: 0 }\n" + Example, AllTypes).Server.NsmPort, Is.Zero);
        var config = ConfigLoader.Load("server: { nlm_port: 4045, nsm_port: 4046 }\n" + Example, AllTypes);
        Assert.That((config.Server.NlmPort, config.Server.NsmPort), Is.EqualTo((4045, 4046)));
        var shared = ConfigLoader.Load("server: { nlm_port: 32768, nsm_port: 32768 }\n" + Example, AllTypes);
        Assert.That((shared.Server.NlmPort, shared.Server.NsmPort), Is.EqualTo((32768, 32768)));
    }

    [TestCase("server: { nsm_port: -1 }", "server.nsm_port", "-1 is not between 0 and 65535")]
    [TestCase("server: { nsm_port: 65536 }", "server.nsm_port", "65536 is not between 0 and 65535")]
    [TestCase("server: { nlm_port: -4045 }", "server.nlm_port", "-4045 is not between 0 and 65535")]
    [TestCase("server: { nlm_port: 70000 }", "server.nlm_port", "70000 is not between 0 and 65535")]
    public void A_lock_port_that_is_not_a_port_is_refused_naming_the_key(string yaml, string key, string problem)
    {
        var error = Refused(yaml + "\n" + Example);
        Assert.That((error.Key, error.Problem), Is.EqualTo((key, problem)));
    }

    [Test]
    public void Locks_keys_are_read_and_checked()
    {
        var config = ConfigLoader.Load("locks: { state_dir: /var/lib/dittofs/nsm, host_name: nfs1, max_monitored_hosts: 10 }\n" + Example, AllTypes);
        Assert.That((config.Locks.StateDir, config.Locks.HostName, config.Locks.MaxMonitoredHosts, config.Locks.PeerPortmapPort), Is.EqualTo(("/var/lib/dittofs/nsm", "nfs1", 10, 111)));
        var error = Refused("locks: { max_monitored_hosts: 0 }\n" + Example);
        Assert.That(error.Key, Is.EqualTo("locks.max_monitored_hosts"));
        Assert.That(DefaultConfig.Create("/srv/ditto").Locks.StateDir, Is.EqualTo("/srv/ditto/nsm"), "the embedded default keeps NSM state in its data directory");
    }

    [Test]
    public void A_file_without_shares_is_an_error()
    {
        var error = Refused("server: { port: 2049 }");
        Assert.That(error.Key, Is.EqualTo("shares"));
    }

    [TestCase("30s", 30)]
    [TestCase("2m", 120)]
    [TestCase("250ms", 0.25)]
    [TestCase("5", 5)]
    public void Durations_parse(string text, double seconds)
    {
        Assert.That(ConfigLoader.TryParseDuration(text, out var duration), Is.True);
        Assert.That(duration.TotalSeconds, Is.EqualTo(seconds));
    }

    [Test]
    public void The_embedded_default_is_valid_for_this_build()
    {
        var config = DefaultConfig.Create();
        Assert.That(config.Shares.Single().Name, Is.EqualTo("/export"));
        Assert.That(StoreRegistry.AvailableTypes.Metadata, Does.Contain(config.Metadata.Stores[config.Shares[0].MetadataStore].Type));
        Assert.That(StoreRegistry.AvailableTypes.Content, Does.Contain(config.Content.Stores[config.Shares[0].ContentStore].Type));
    }

    [Test]
    public void Command_line_flags_override_the_file()
    {
        var flags = new CommandLineOverrides(Port: 3049, LogLevel: "debug", MaxConnections: 7, DumpRestricted: true);
        var config = ConfigLoader.Load("server: { port: 1, log_level: ERROR }\n" + Example, AllTypes, new ConfigOverrides(Flags: flags));
        Assert.That((config.Server.Port, config.Server.LogLevel, config.Server.MaxConnections, config.Server.DumpRestricted),
            Is.EqualTo((3049, "DEBUG", 7, true)));
    }

    [Test]
    public void A_bad_flag_value_names_the_flag_and_what_is_valid()
    {
        var error = Refused(Example, new ConfigOverrides(Flags: new CommandLineOverrides(Port: 70000)));
        Assert.That((error.Key, error.Line, error.Problem), Is.EqualTo(("--port", 0, "70000 is not between 0 and 65535")));
    }

    [Test]
    public void Udp_is_on_unless_the_file_turns_it_off()
    {
        Assert.That(ConfigLoader.Load(Example, AllTypes).Server.Udp, Is.EqualTo("true"));
        Assert.That(ConfigLoader.Load("server:\n  udp: false\n" + Example, AllTypes).Server.Udp, Is.EqualTo("false"));
        Assert.That(UdpSwitch.Parse(ConfigLoader.Load("server:\n  udp: False\n" + Example, AllTypes).Server.Udp), Is.False);
    }

    [TestCase("maybe")]
    [TestCase("yes")]
    [TestCase("1")]
    public void A_bad_udp_value_is_a_one_line_error_naming_the_key(string value)
    {
        var error = Refused($"server:\n  udp: {value}\n" + Example);

        Assert.That(error.Key, Is.EqualTo("server.udp"));
        Assert.That(error.Line, Is.EqualTo(2));
        Assert.That(error.Message, Does.Not.Contain('\n').And.Contain($"'{value}' is not one of true, false"));
    }

    [Test]
    public void The_udp_flag_overrides_the_file_and_a_bad_one_names_the_flag()
    {
        var config = ConfigLoader.Load(Example, AllTypes, new ConfigOverrides(Flags: new CommandLineOverrides(Udp: "FALSE")));
        Assert.That(config.Server.Udp, Is.EqualTo("false"));

        var error = Refused(Example, new ConfigOverrides(Flags: new CommandLineOverrides(Udp: "off")));
        Assert.That(error.Key, Is.EqualTo("--udp"));
    }

    [Test]
    public void Lock_keys_load_with_their_defaults_and_values()
    {
        Assert.That(ConfigLoader.Load(Example, AllTypes).Locks.GracePeriod, Is.EqualTo("45s"));
        var config = ConfigLoader.Load("server: { nlm_port: 0 }\nlocks: { grace_period: 90s, lease_time: 60s, peer_portmap_port: 4111 }\n" + Example, AllTypes);
        Assert.That((config.Server.NlmPort, config.Locks.GracePeriod, config.Locks.LeaseTime, config.Locks.PeerPortmapPort), Is.EqualTo((0, "90s", "60s", 4111)));
    }

    [TestCase("locks: { grace_period: soon }", "locks.grace_period", "is not a duration")]
    [TestCase("locks: { peer_portmap_port: 0 }", "locks.peer_portmap_port", "0 is not between 1 and 65535")]
    [TestCase("locks: { lease_time: 2s }", "locks.lease_time", "from 5s to 1h")]
    [TestCase("locks: { lease_time: forever }", "locks.lease_time", "from 5s to 1h")]
    public void A_bad_lock_key_is_named(string yaml, string key, string problem)
    {
        var error = Refused(yaml + "\n" + Example);
        Assert.That(error.Key, Is.EqualTo(key));
        Assert.That(error.Problem, Does.Contain(problem));
    }

    [Test]
    public void Connection_limits_load_with_their_defaults_and_values()
    {
        var defaults = ConfigLoader.Load(Example, AllTypes).Server;
        Assert.That((defaults.MaxConnections, defaults.MaxPendingRecordBytes, defaults.RecordTimeout), Is.EqualTo((8192, "256MiB", "30s")));
        var config = ConfigLoader.Load("server: { max_connections: 0, max_pending_record_bytes: 1GiB, record_timeout: 0s }\n" + Example, AllTypes).Server;
        Assert.That((config.MaxConnections, config.MaxPendingRecordBytes, config.RecordTimeout), Is.EqualTo((0, "1GiB", "0s")));
    }

    [TestCase("server: { max_pending_record_bytes: 1MiB }", "server.max_pending_record_bytes", "at least 4MiB")]
    [TestCase("server: { max_pending_record_bytes: lots }", "server.max_pending_record_bytes", "is not a size")]
    [TestCase("server: { record_timeout: soon }", "server.record_timeout", "is not a duration")]
    public void A_bad_connection_limit_is_named(string yaml, string key, string problem)
    {
        var error = Refused(yaml + "\n" + Example);
        Assert.That(error.Key, Is.EqualTo(key));
        Assert.That(error.Problem, Does.Contain(problem));
    }
}
