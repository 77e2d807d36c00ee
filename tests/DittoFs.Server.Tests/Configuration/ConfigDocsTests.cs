using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DittoFs.Server.Configuration;
using DittoFs.Server.Configuration.Emit;
using DittoFs.Server.Configuration.Model;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DittoFs.Server.Tests.Configuration;

/// <summary>
/// What is generated from the configuration's model stays equal to what is checked in (docs/dittofs.schema.json,
/// docs/configuration.md), and the sample file and `config init`'s output validate against the schema with a JSON
/// Schema validator that is not ours (JsonSchema.Net). REGENERATE_CONFIG_DOCS=1 rewrites the two files (and fails, so
/// that the run that rewrote them is not taken for a check).
/// </summary>
public sealed class ConfigDocsTests
{
    private static readonly string Repository = FindRepository();

    private static string FindRepository([CallerFilePath] string source = "")
    {
        var directory = new DirectoryInfo(Path.GetDirectoryName(source)!);
        while (!File.Exists(Path.Combine(directory.FullName, "DittoFs.sln")))
            directory = directory.Parent ?? throw new InvalidOperationException("no DittoFs.sln above " + source);
        return directory.FullName;
    }

    private static JsonSchema Schema => JsonSchema.FromText(File.ReadAllText(Path.Combine(Repository, "docs", "dittofs.schema.json")));

    [TestCase("docs/dittofs.schema.json")]
    [TestCase("docs/configuration.md")]
    public void The_checked_in_file_is_what_the_model_generates(string file)
    {
        string generated = file.EndsWith(".json", StringComparison.Ordinal) ? ConfigSchema.Text() : ConfigReference.Markdown();
        string path = Path.Combine(Repository, file);
        if (Environment.GetEnvironmentVariable("REGENERATE_CONFIG_DOCS") == "1")
        {
            File.WriteAllText(path, generated);
            Assert.Fail($"rewrote {file}; run again without REGENERATE_CONFIG_DOCS");
        }
        Assert.That(File.ReadAllText(path), Is.EqualTo(generated),
            $"{file} differs from the model (DittoConfig.cs): rewrite it with REGENERATE_CONFIG_DOCS=1 dotnet test tests/DittoFs.Server.Tests --filter ConfigDocsTests");
    }

    [Test]
    public void The_sample_configuration_validates_against_the_schema() =>
        AssertValid(File.ReadAllText(Path.Combine(Repository, "packaging", "dittofs.yaml")));

    [Test]
    public void The_annotated_default_validates_against_the_schema() =>
        AssertValid(AnnotatedConfig.Render(DefaultConfig.Create("/srv/dittofs")));

    [Test]
    public void The_schema_refuses_what_the_loader_refuses()
    {
        string valid = File.ReadAllText(Path.Combine(Repository, "packaging", "dittofs.yaml"));
        string[] broken =
        [
            valid.Replace("log_level: INFO", "log_levle: INFO"),
            valid.Replace("log_level: INFO", "log_level: LOUD"),
            valid.Replace("port: 2049", "port: 70000"),
            valid.Replace("shutdown_timeout: 30s", "shutdown_timeout: soon"),
            valid.Replace("type: rocksdb", "type: badger"),
            valid.Replace("    metadata_store: meta\n", ""),
        ];
        foreach (var text in broken)
        {
            Assert.That(Schema.Evaluate(ToJson(text)).IsValid, Is.False, text);
            Assert.Throws<ConfigException>(() => ConfigLoader.Load(text, StoreRegistry.AvailableTypes));
        }
    }

    [Test]
    public void The_schema_takes_words_in_any_case_as_the_loader_does()
    {
        string text = File.ReadAllText(Path.Combine(Repository, "packaging", "dittofs.yaml"))
            .Replace("log_level: INFO", "log_level: debug").Replace("log_format: text", "log_format: JSON").Replace("portmap: \"auto\"", "portmap: false");
        AssertValid(text);
        Assert.That(ConfigLoader.Load(text, StoreRegistry.AvailableTypes).Server.LogFormat, Is.EqualTo("json"));
    }

    [Test]
    public void The_example_in_the_readme_is_a_valid_configuration()
    {
        string readme = File.ReadAllText(Path.Combine(Repository, "README.md"));
        int section = readme.IndexOf("### Configuration file", StringComparison.Ordinal);
        int start = readme.IndexOf("```yaml\n", section, StringComparison.Ordinal) + "```yaml\n".Length;
        string example = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];

        AssertValid(example);
        Assert.That(ConfigLoader.Load(example, StoreRegistry.AvailableTypes).Shares.Single().Name, Is.EqualTo("/export"));
    }

    [Test]
    public void The_annotated_default_loads_back_as_the_configuration_it_was_written_from()
    {
        string text = AnnotatedConfig.Render(DefaultConfig.Create("/srv/dittofs"));
        var loaded = ConfigLoader.Load(text, StoreRegistry.AvailableTypes);

        Assert.That(AnnotatedConfig.Render(loaded), Is.EqualTo(text));
        Assert.That(loaded.Metadata.Stores["default-meta"].Rocksdb!.DbPath, Is.EqualTo("/srv/dittofs/metadata"));
        Assert.That(loaded.Locks.StateDir, Is.EqualTo("/srv/dittofs/nsm"));
    }

    [Test]
    public void Every_key_of_the_model_is_documented_and_every_section_name_is_one_word()
    {
        var keys = ConfigModel.Keys().ToList();
        Assert.That(keys.Select(k => k.Path), Does.Contain("server.log_level").And.Contain("content.stores.NAME.s3.max_dirty_bytes").And.Contain("shares[].allowed_auth"));
        Assert.That(keys.Where(k => string.IsNullOrWhiteSpace(k.Key.Description)), Is.Empty);
        // The environment's mapping reads the section from the first part after DITTOFS_: a section with '_' would blur it.
        Assert.That(ConfigModel.Root.Keys.Select(k => k.Name), Has.None.Contains('_'));
        string reference = File.ReadAllText(Path.Combine(Repository, "docs", "configuration.md"));
        foreach (var (path, _) in keys)
            Assert.That(reference, Does.Contain($"| `{path}` |"), path);
    }

    private static void AssertValid(string yaml)
    {
        var result = Schema.Evaluate(ToJson(yaml), new EvaluationOptions { OutputFormat = OutputFormat.List });
        var problems = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Select(d => $"{d.InstanceLocation}: {string.Join("; ", d.Errors!.Values)}");
        Assert.That(result.IsValid, Is.True, string.Join("\n", problems));
    }

    /// <summary>YAML as JSON, plain scalars typed as YAML 1.2's core schema types them (null, booleans, numbers).</summary>
    internal static JsonElement ToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return JsonSerializer.SerializeToElement(Convert(stream.Documents[0].RootNode));
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Convert(c.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(Convert)]),
        YamlScalarNode { Style: ScalarStyle.Plain } scalar => Plain(scalar.Value ?? ""),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidOperationException(node.NodeType.ToString()),
    };

    private static JsonNode? Plain(string text) => text switch
    {
        "" or "~" or "null" or "Null" or "NULL" => null,
        "true" or "True" or "TRUE" => JsonValue.Create(true),
        "false" or "False" or "FALSE" => JsonValue.Create(false),
        _ when Regex.IsMatch(text, "^[-+]?[0-9]+$") => JsonValue.Create(long.Parse(text)),
        _ when Regex.IsMatch(text, @"^[-+]?([0-9]*\.[0-9]+|[0-9]+\.[0-9]*)([eE][-+]?[0-9]+)?$") => JsonValue.Create(double.Parse(text, System.Globalization.CultureInfo.InvariantCulture)),
        _ => JsonValue.Create(text),
    };
}
