using System.Collections.Concurrent;
using DittoFs.Server.Configuration;
using Microsoft.Extensions.Logging;

namespace DittoFs.Server.Tests;

/// <summary>What the server says when it starts: pairings of stores that lose track of data, store directories it created.</summary>
public sealed class StartupWarningTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("dittofs-startup-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [TestCase("filesystem", true)]
    [TestCase("memory", false)]
    public async Task In_memory_metadata_over_content_that_outlives_it_is_warned_about(string contentType, bool warned)
    {
        var config = new DittoConfig
        {
            Server = new ServerSection { Port = 0, Portmap = "false" },
            Metrics = new MetricsSection { Enabled = false },
            Metadata = new() { Stores = { ["meta"] = new MetadataStoreConfig { Type = "memory" } } },
            Content = new() { Stores = { ["bytes"] = new ContentStoreConfig { Type = contentType, Filesystem = new FileSystemContentConfig { Path = _directory } } } },
            Shares = { new ShareConfig { Name = "/export", MetadataStore = "meta", ContentStore = "bytes" } },
        };
        var logs = new Captured();
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(logs));

        await using (await DittoServer.StartAsync(config, factory))
        {
        }

        var warnings = logs.Entries.Where(entry => entry.Level == LogLevel.Warning).Select(entry => entry.Message).ToList();
        Assert.That(warnings.Any(message => message.Contains("/export keeps its metadata in memory", StringComparison.Ordinal)), Is.EqualTo(warned),
            string.Join("\n", warnings));
    }

    [Test]
    public async Task Store_directories_that_did_not_exist_are_logged_at_info_when_created_and_not_after()
    {
        var config = new DittoConfig
        {
            Metadata = new() { Stores = { ["meta"] = new MetadataStoreConfig { Type = "rocksdb", Rocksdb = new() { DbPath = Path.Combine(_directory, "metadta") } } } },
            Content = new() { Stores = { ["bytes"] = new ContentStoreConfig { Type = "filesystem", Filesystem = new() { Path = Path.Combine(_directory, "content") } } } },
        };

        var first = await CreatedDirectories(config);
        var second = await CreatedDirectories(config);

        Assert.That(first, Is.EquivalentTo(new[]
        {
            $"Created directory {Path.Combine(_directory, "metadta")} for metadata store 'meta' (it did not exist)",
            $"Created directory {Path.Combine(_directory, "content")} for content store 'bytes' (it did not exist)",
        }));
        Assert.That(second, Is.Empty, "an existing directory is opened without a word");
    }

    private static async Task<List<string>> CreatedDirectories(DittoConfig config)
    {
        var logs = new Captured();
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(logs));
        await using (await StoreRegistry.CreateAsync(config, factory))
        {
        }
        return logs.Entries.Where(entry => entry.Level == LogLevel.Information && entry.Message.StartsWith("Created directory", StringComparison.Ordinal))
            .Select(entry => entry.Message).ToList();
    }

    private sealed class Captured : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, formatter(state, exception)));

        public void Dispose()
        {
        }
    }
}
