using System.Diagnostics;
using System.Globalization;

namespace DittoFs.Benchmarks.Curves;

/// <summary>
/// Curve 4: on a fresh server, <c>ditto-nfs bench</c> over NFSv3 with 1, 4, 16, 64 connections, 16 calls in flight on
/// each (getattr runs 4 × --depth, rand_read_4k 2 × --depth), on GETATTR of one file and on 4 KiB READs at random
/// offsets of a 64 MiB file (every byte checked): the aggregate calls/s and p50, p99, p99.9 latency of each point.
/// The raw lines go to clients.txt in the store's folder.
/// </summary>
internal static class ClientCurves
{
    private const int InFlightPerConnection = 16;

    public static async Task RunAsync(CurveOptions options, string store, string folder, CurveBook book)
    {
        await using var server = await DittoFsServer.StartAsync(options, store, folder);
        string url = $"nfs://127.0.0.1{DittoFsServer.Export}?version=3&nfsport={server.Port}&mountport={server.Port}";
        foreach (int connections in options.Connections)
        foreach (var (workload, label, depth, latency) in new[]
        {
            ("getattr", CurveBook.ClientWorkloads[0], InFlightPerConnection / 4, book.GetattrLatency),
            ("rand_read_4k", CurveBook.ClientWorkloads[1], InFlightPerConnection / 2, book.ReadLatency),
        })
        {
            string line = await BenchAsync(options, url, workload, depth, connections, Path.Combine(folder, "clients.txt"));
            var figures = Figures(line);
            book.ClientThroughput.Add($"{store} {label}", connections, figures["ops_per_s"]);
            latency.Add($"{store} p50", connections, figures["p50_us"]);
            latency.Add($"{store} p99", connections, figures["p99_us"]);
            latency.Add($"{store} p99.9", connections, figures["p999_us"]);
            Console.WriteLine($"curves: {store}: {connections} connections: {line}");
        }
    }

    /// <summary>The figures of one <c>ditto-nfs bench</c> output line (name=value pairs), the numeric ones.</summary>
    internal static Dictionary<string, double> Figures(string line) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair.Length == 2 && double.TryParse(pair[1], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            .ToDictionary(pair => pair[0], pair => double.Parse(pair[1], CultureInfo.InvariantCulture));

    /// <summary>One bench run of one workload; its output line. A failed run (errors, exit code) fails the curve.</summary>
    private static async Task<string> BenchAsync(CurveOptions options, string url, string workload, int depth, int connections, string log)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in (string[])[options.ToolDll, "bench", "-t", options.Seconds.ToString(CultureInfo.InvariantCulture), "-s", "64",
            "-d", depth.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture), url, workload])
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        string text = await output, errorText = await errors;
        await File.AppendAllTextAsync(log, $"# connections={connections} {workload}\n{text}{errorText}");
        string? line = text.Split('\n').FirstOrDefault(l => l.StartsWith($"workload={workload} ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"ditto-nfs bench {workload} with {connections} connections exited with {process.ExitCode}: {errorText.Trim().Split('\n')[0]}");
        return line.Trim();
    }
}
