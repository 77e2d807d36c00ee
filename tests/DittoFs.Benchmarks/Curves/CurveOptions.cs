using System.Globalization;

namespace DittoFs.Benchmarks.Curves;

/// <summary>The curves run's settings (<c>curves --server DLL --tool DLL --output DIR [...]</c>), with the issue's sizes as defaults.</summary>
internal sealed record CurveOptions(
    string ServerDll,
    string ToolDll,
    string Output,
    IReadOnlyList<string> Stores,
    IReadOnlyList<long> Files,
    IReadOnlyList<long> DirectoryEntries,
    IReadOnlyList<int> Connections,
    int Sample,
    int Lanes,
    double Seconds,
    int S3Mebibytes)
{
    public const string Usage = "usage: curves --server DITTOFS_DLL --tool DITTO_NFS_DLL --output DIR [--stores memory,rocksdb,s3] [--files 10000,100000,1000000] [--directory-entries 100000,1000000] [--connections 1,4,16,64] [--sample 5000] [--lanes 16] [--seconds 5] [--s3-size 1024]";

    /// <summary>The store kinds: in-memory stores; the embedded default (RocksDB + files); RocksDB + S3 content on an s3rver the run starts.</summary>
    public static readonly string[] StoreKinds = ["memory", "rocksdb", "s3"];

    /// <summary>host:port of the s3rver the run started for the s3 kind (set by the run, not an option).</summary>
    public string? S3Endpoint { get; init; }

    public static CurveOptions Parse(string[] args)
    {
        var values = ModeArguments.Parse(args);
        string Take(string name, string? fallback) =>
            values.Remove(name, out var given) ? given : fallback ?? throw new ArgumentException($"--{name} is required");
        List<long> Sizes(string name, string fallback)
        {
            string text = Take(name, fallback);
            var sizes = new List<long>();
            foreach (string item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!long.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out long size) || size < 1)
                    throw new ArgumentException($"--{name}: '{item}' is not a positive whole number (give a comma-separated list, e.g. 1000,10000)");
                sizes.Add(size);
            }
            if (sizes.Count == 0)
                throw new ArgumentException($"--{name}: give at least one size");
            return sizes.Distinct().Order().ToList();
        }
        int Number(string name, string fallback, int minimum)
        {
            string text = Take(name, fallback);
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number < minimum)
                throw new ArgumentException($"--{name}: '{text}' is not a whole number of at least {minimum}");
            return number;
        }
        var stores = Take("stores", "memory,rocksdb").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
        if (stores.Count == 0)
            throw new ArgumentException($"--stores: give at least one store kind ({string.Join(", ", StoreKinds)})");
        foreach (string store in stores.Where(store => !StoreKinds.Contains(store)))
            throw new ArgumentException($"--stores: '{store}' is not a store kind (valid: {string.Join(", ", StoreKinds)})");
        var options = new CurveOptions(
            Take("server", null),
            Take("tool", null),
            Take("output", null),
            stores,
            Sizes("files", "10000,100000,1000000"),
            Sizes("directory-entries", "100000,1000000"),
            Sizes("connections", "1,4,16,64").Select(count => (int)Math.Min(count, 256)).ToList(),
            Number("sample", "5000", 1),
            Number("lanes", "16", 1),
            Number("seconds", "5", 1),
            Number("s3-size", "1024", 4));
        if (values.Count > 0)
            throw new ArgumentException($"unknown option --{values.Keys.First()}");
        return options;
    }
}
