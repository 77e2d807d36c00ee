namespace DittoFs.EndToEnd;

/// <summary>
/// The real dittofs started from a YAML configuration written for one test fixture into a directory of its own
/// (stores live under it; "{data}" in the text is replaced by that directory). Metrics are off, so several servers
/// never compete for the metrics port. Disposing stops the server, then deletes the directory.
/// </summary>
internal sealed class ConfiguredServer : IDisposable
{
    private readonly string _directory;

    private ConfiguredServer(string directory, DittoFsProcess process)
    {
        _directory = directory;
        Process = process;
    }

    /// <summary>Stores and the one share /export, all in memory: append to a configuration's other sections.</summary>
    public const string InMemoryShare = """
        metadata:
          stores:
            meta: { type: memory }
        content:
          stores:
            content: { type: memory }
        shares:
          - name: /export
            metadata_store: meta
            content_store: content
        """;

    /// <summary>The one share /export on RocksDB metadata in <paramref name="metadataPath"/> and file content in <paramref name="contentPath"/>.</summary>
    public static string OnDiskShare(string metadataPath, string contentPath) => $$"""
        metadata:
          stores:
            meta: { type: rocksdb, rocksdb: { db_path: {{metadataPath}} } }
        content:
          stores:
            files: { type: filesystem, filesystem: { path: {{contentPath}} } }
        shares:
          - name: /export
            metadata_store: meta
            content_store: files
        """;

    public DittoFsProcess Process { get; }
    public int Port => Process.Port;

    /// <summary>Starts dittofs on <paramref name="yaml"/>, with <paramref name="arguments"/> added after --config (e.g. --metrics-port).</summary>
    public static ConfiguredServer Start(string yaml, params string[] arguments)
    {
        string directory = Directory.CreateTempSubdirectory("dittofs-config-").FullName;
        string path = Path.Combine(directory, "dittofs.yaml");
        File.WriteAllText(path, yaml.Replace("{data}", directory));
        try
        {
            return new ConfiguredServer(directory, DittoFsProcess.Start(["--config", path, .. arguments]));
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>The server's resident set size in KiB (VmRSS of /proc/PID/status).</summary>
    public long ResidentKib() => ResidentKib(Process.ProcessId);

    public static long ResidentKib(int processId)
    {
        foreach (string line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]);
            }
        }
        throw new InvalidOperationException($"No VmRSS for process {processId}");
    }

    public void Dispose()
    {
        try
        {
            Process.Dispose();
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
