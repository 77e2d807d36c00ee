using System.Collections.Concurrent;
using DittoFs.Server.Configuration;
using Microsoft.Extensions.Logging;

namespace DittoFs.Server.Tests;

/// <summary>What the server warns about when it starts: pairings of stores that lose track of data.</summary>
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
