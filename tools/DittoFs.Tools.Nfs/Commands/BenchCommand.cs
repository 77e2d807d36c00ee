using System.CommandLine;
using DittoFs.Tools.Nfs.Bench;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>
/// bench [-t S] [-d QD] [-s MIB] [-n FILES] [-c CONNECTIONS] URL [WORKLOAD...]: nfsbench.c's workloads (seq_write,
/// seq_read, rand_read_4k, getattr, small_files) through our own client, one line per workload in nfsbench's
/// format. URL names the directory to work in; <c>?version=4.1</c> runs the same workloads over NFSv4.1 (the path
/// is then one of the server's NFSv4 namespace). Reads check every byte; any error makes the exit code 1.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(ToolContext tool)
    {
        var url = CommandArguments.Url("URL", "Directory to run in (nfs://host/export/dir)");
        var workloads = new Argument<string[]>("WORKLOAD")
        {
            Description = $"Workloads to run, in order (default: {string.Join(' ', BenchSettings.AllWorkloads)})",
            Arity = ArgumentArity.ZeroOrMore,
        };
        workloads.AcceptOnlyFromAmong(BenchSettings.AllWorkloads);
        var seconds = new Option<double>("--time", "-t") { Description = "Seconds each timed workload runs (rand_read_4k, getattr)", DefaultValueFactory = _ => 5 };
        var depth = new Option<int>("--depth", "-d") { Description = "Calls in flight on each connection (rand_read_4k uses 2x, getattr 4x)", DefaultValueFactory = _ => 16 };
        var connections = new Option<int>("--connections", "-c") { Description = "TCP connections the calls are spread over (NFSv4.1: a session on each)", DefaultValueFactory = _ => 1 };
        var size = new Option<int>("--size", "-s") { Description = "Data file size in MiB", DefaultValueFactory = _ => 256 };
        var files = new Option<int>("--files", "-n") { Description = "Files for small_files", DefaultValueFactory = _ => 2000 };
        seconds.Within(0.001, 3600);
        depth.Within(1, 64);
        size.Within(1, 1024 * 1024);
        files.Within(1, 1_000_000);
        connections.Within(1, 256);

        var command = new Command("bench", "Run nfsbench's workloads and print ops/s and MiB/s") { url, workloads, seconds, depth, size, files, connections };
        command.SetAction(tool.Action("bench", async (parse, cancellationToken) =>
        {
            var target = NfsUrl.Parse(parse.GetValue(url)!);
            string[] selected = parse.GetValue(workloads) is { Length: > 0 } chosen ? chosen : BenchSettings.AllWorkloads;
            var settings = new BenchSettings
            {
                Duration = TimeSpan.FromSeconds(parse.GetValue(seconds)),
                Depth = parse.GetValue(depth),
                FileSize = parse.GetValue(size) * (long)BenchSettings.IoSize,
                Files = parse.GetValue(files),
                Connections = parse.GetValue(connections),
                Workloads = selected,
            };
            await using BenchClient client = target.Version == NfsVersion.V41
                ? await Nfs4BenchClient.ConnectAsync(target, tool.Globals.ToSessionOptions(parse), settings.Connections, cancellationToken)
                : await Nfs3BenchClient.ConnectAsync(() => tool.OpenAsync(parse, target, mount: true, cancellationToken), target.Path, settings.Connections, cancellationToken);
            var bench = new BenchTarget(client, settings, tool.Console.Error);
            long errors = 0;
            try
            {
                foreach (string workload in selected)
                {
                    if (workload is "seq_read" or "rand_read_4k" or "getattr" && !bench.DataWritten)
                        await SequentialWrite.RunAsync(bench, cancellationToken); // their file, written unreported
                    var report = workload switch
                    {
                        "seq_write" => await SequentialWrite.RunAsync(bench, cancellationToken),
                        "seq_read" => await SequentialRead.RunAsync(bench, cancellationToken),
                        "rand_read_4k" => await RandomRead.RunAsync(bench, cancellationToken),
                        "getattr" => await GetattrLoad.RunAsync(bench, cancellationToken),
                        _ => await SmallFiles.RunAsync(bench, cancellationToken),
                    };
                    tool.Console.Out.WriteLine(report.Line);
                    await tool.Console.Out.FlushAsync(cancellationToken);
                    errors += report.Errors;
                }
            }
            finally
            {
                await bench.CleanUpAsync(tool.Console.Error);
            }
            return errors == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        }));
        return command;
    }
}
