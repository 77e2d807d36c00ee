using DittoFs.Server.Configuration;

namespace DittoFs.Server.Tests.Configuration;

/// <summary>The keys and flags of the operations features: metrics, log format, portmapper.</summary>
public sealed class OperationsConfigTests
{
    private static readonly StoreTypes Memory = new(["memory"], ["memory"]);

    private const string Share = """
        metadata: { stores: { m: { type: memory } } }
        content: { stores: { c: { type: memory } } }
        shares: [ { name: /export, metadata_store: m, content_store: c } ]
        """;

    private static DittoConfig Load(string yaml, CommandLineOverrides? flags = null) => ConfigLoader.Load(yaml + "\n" + Share, Memory, new ConfigOverrides(Flags: flags));

    [Test]
    public void Defaults_are_metrics_on_port_9090_text_logs_and_the_portmapper_on_auto()
    {
        var config = Load("");
        Assert.That((config.Metrics.Enabled, config.Metrics.Port), Is.EqualTo((true, 9090)));
        Assert.That(config.Server.LogFormat, Is.EqualTo("text"));
        Assert.That(config.Server.Portmap, Is.EqualTo("auto"));
    }

    [TestCase("true", PortmapMode.On)]
    [TestCase("false", PortmapMode.Off)]
    [TestCase("auto", PortmapMode.Auto)]
    public void Portmap_takes_true_false_or_auto(string value, PortmapMode mode) =>
        Assert.That(PortmapModes.Parse(Load($"server: {{ portmap: {value} }}").Server.Portmap), Is.EqualTo(mode));

    [Test]
    public void Another_portmap_value_is_an_error_naming_the_key_and_its_line()
    {
        var error = Assert.Throws<ConfigException>(() => Load("server:\n  portmap: sometimes"));
        Assert.That((error!.Key, error.Line), Is.EqualTo(("server.portmap", 2)));
        Assert.That(error.Problem, Does.Contain("true, false, auto"));
    }

    [Test]
    public void Log_format_json_loads_and_another_format_is_an_error()
    {
        Assert.That(Load("server: { log_format: json }").Server.LogFormat, Is.EqualTo("json"));
        var error = Assert.Throws<ConfigException>(() => Load("server: { log_format: xml }"));
        Assert.That(error!.Key, Is.EqualTo("server.log_format"));
    }

    [Test]
    public void Metrics_keys_load()
    {
        var config = Load("metrics: { enabled: false, port: 9100 }");
        Assert.That((config.Metrics.Enabled, config.Metrics.Port), Is.EqualTo((false, 9100)));
    }

    [Test]
    public void The_metrics_port_flag_turns_metrics_on_at_that_port_and_zero_turns_them_off()
    {
        var config = Load("metrics: { enabled: false }", new CommandLineOverrides(MetricsPort: 9200));
        Assert.That((config.Metrics.Enabled, config.Metrics.Port), Is.EqualTo((true, 9200)));

        Assert.That(Load("metrics: { enabled: true }", new CommandLineOverrides(MetricsPort: 0)).Metrics.Enabled, Is.False);
    }

    [Test]
    public void Flags_replace_log_format_and_portmap()
    {
        var config = Load("", new CommandLineOverrides(LogFormat: "JSON", Portmap: "false"));
        Assert.That((config.Server.LogFormat, config.Server.Portmap), Is.EqualTo(("json", "false")));
    }

    [TestCase(70000, null, null, "--metrics-port")]
    [TestCase(null, "yaml", null, "--log-format")]
    [TestCase(null, null, "maybe", "--portmap")]
    public void A_bad_flag_is_an_error_naming_the_flag(int? metricsPort, string? logFormat, string? portmap, string flag)
    {
        var error = Assert.Throws<ConfigException>(() => Load("", new CommandLineOverrides(MetricsPort: metricsPort, LogFormat: logFormat, Portmap: portmap)));
        Assert.That(error!.Key, Is.EqualTo(flag));
    }
}
