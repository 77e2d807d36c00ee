using DittoFs.Server.Configuration;
using DittoFs.Server.Configuration.Model;

namespace DittoFs.Server.Tests.Configuration;

/// <summary>DITTOFS_&lt;SECTION&gt;_&lt;KEY&gt; variables: their mapping to keys, precedence (file &lt; environment &lt; flag), case rules and errors.</summary>
public sealed class EnvironmentOverridesTests
{
    private static readonly StoreTypes AllTypes = new(["memory", "rocksdb"], ["memory", "filesystem", "s3"]);

    private const string File = """
        server:
          log_level: WARN
        metadata: { stores: { m: { type: memory } } }
        content:
          stores:
            s3-content: { type: s3, s3: { bucket: my-bucket, endpoint: "http://127.0.0.1:9000" } }
        shares: [ { name: /export, metadata_store: m, content_store: s3-content } ]
        """;

    private static DittoConfig Load(Dictionary<string, string> environment, CommandLineOverrides? flags = null, string text = File) =>
        ConfigLoader.Load(text, AllTypes, new ConfigOverrides(environment, flags));

    private static ConfigException Refused(Dictionary<string, string> environment, string text = File) =>
        Assert.Throws<ConfigException>(() => Load(environment, text: text))!;

    [Test]
    public void A_variable_overrides_the_file_and_a_flag_overrides_the_variable()
    {
        var environment = new Dictionary<string, string> { ["DITTOFS_SERVER_LOG_LEVEL"] = "debug", ["DITTOFS_SERVER_PORT"] = "3049" };

        Assert.That(Load(environment).Server.LogLevel, Is.EqualTo("DEBUG"));
        var flagged = Load(environment, new CommandLineOverrides(LogLevel: "error"));
        Assert.That((flagged.Server.LogLevel, flagged.Server.Port), Is.EqualTo(("ERROR", 3049)));
    }

    [Test]
    public void Keys_with_underscores_and_keys_of_a_named_store_map_unambiguously()
    {
        var config = Load(new()
        {
            ["DITTOFS_CONTENT_STORES_S3_CONTENT_S3_MAX_DIRTY_BYTES"] = "64MiB",
            ["DITTOFS_SERVER_MAX_PENDING_RECORD_BYTES"] = "1GiB",
            ["DITTOFS_LOCKS_PEER_PORTMAP_PORT"] = "4111",
        });

        Assert.That(config.Content.Stores["s3-content"].S3!.MaxDirtyBytes, Is.EqualTo("64MiB"));
        Assert.That(config.Server.MaxPendingRecordBytes, Is.EqualTo("1GiB"));
        Assert.That(config.Locks.PeerPortmapPort, Is.EqualTo(4111));
    }

    [Test]
    public void A_variable_sets_a_key_of_a_section_the_file_leaves_out()
    {
        Assert.That(Load(new() { ["DITTOFS_METRICS_ENABLED"] = "FALSE" }).Metrics.Enabled, Is.False);
    }

    [Test]
    public void Words_are_read_in_any_case_in_the_file_the_environment_and_flags_alike()
    {
        string inFile = ConfigLoader.Load(File.Replace("log_level: WARN", "log_format: JSON"), AllTypes).Server.LogFormat;
        string inEnvironment = Load(new() { ["DITTOFS_SERVER_LOG_FORMAT"] = "JSON" }).Server.LogFormat;
        string inFlag = Load([], new CommandLineOverrides(LogFormat: "JSON")).Server.LogFormat;

        Assert.That(new[] { inFile, inEnvironment, inFlag }, Has.All.EqualTo("json"));
    }

    [Test]
    public void A_bad_value_names_the_variable_and_what_is_valid()
    {
        var error = Refused(new() { ["DITTOFS_SERVER_LOG_FORMAT"] = "xml" });

        Assert.That((error.Key, error.Line, error.Problem), Is.EqualTo(("DITTOFS_SERVER_LOG_FORMAT", 0, "'xml' is not one of text, json")));
        Assert.That(error.Message, Is.EqualTo("config error: DITTOFS_SERVER_LOG_FORMAT: 'xml' is not one of text, json"));
    }

    [Test]
    public void A_mistyped_variable_under_a_section_is_an_error_with_the_nearest_variable()
    {
        var error = Refused(new() { ["DITTOFS_SERVER_LOG_LEVLE"] = "DEBUG" });

        Assert.That(error.Key, Is.EqualTo("DITTOFS_SERVER_LOG_LEVLE"));
        Assert.That(error.Problem, Is.EqualTo("names no configuration key; did you mean DITTOFS_SERVER_LOG_LEVEL?"));
    }

    [Test]
    public void Other_dittofs_variables_are_not_configuration()
    {
        Assert.That(Load(new() { ["DITTOFS_PINNED_CONNECTIONS"] = "5000", ["DITTOFS_TEST_PG_PASSWORD"] = "x" }).Server.LogLevel, Is.EqualTo("WARN"));
    }

    [Test]
    public void Two_stores_whose_names_give_one_variable_make_it_an_error()
    {
        string text = File.Replace("s3-content: {", "a-b: { type: memory }\n    a_b: { type: memory }\n    s3-content: {");

        var error = Refused(new() { ["DITTOFS_CONTENT_STORES_A_B_TYPE"] = "memory" }, text);

        Assert.That(error.Key, Is.EqualTo("DITTOFS_CONTENT_STORES_A_B_TYPE"));
        Assert.That(error.Problem, Does.Contain("content.stores.a-b.type and content.stores.a_b.type"));
    }

    [Test]
    public void Errors_of_the_file_and_of_the_environment_come_in_one_run()
    {
        var error = Refused(new() { ["DITTOFS_SERVER_PORT"] = "-1" }, File.Replace("log_level: WARN", "log_level: LOUD"));

        Assert.That(error.Errors.Select(e => e.Key), Is.EqualTo(new[] { "server.log_level", "DITTOFS_SERVER_PORT" }));
    }

    [Test]
    public void Every_key_outside_shares_has_its_own_variable()
    {
        var variables = ConfigModel.Keys().Where(k => k.Key.Shape is ScalarShape && !k.Path.StartsWith("shares", StringComparison.Ordinal))
            .Select(k => EnvironmentOverrides.VariableOf(k.Path.Split('.'))).ToList();

        Assert.That(variables, Is.Unique);
        Assert.That(variables, Does.Contain("DITTOFS_SERVER_LOG_LEVEL").And.Contain("DITTOFS_CONTENT_STORES_NAME_S3_MAX_DIRTY_BYTES"));
    }
}
