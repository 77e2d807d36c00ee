using System.Globalization;
using System.Runtime.InteropServices;
using DittoFs.Benchmarks.Curves;
using DittoFs.Storage.S3.Tests.Infrastructure;
using DittoFs.Tests;

namespace DittoFs.Benchmarks.SharedServers;

/// <summary>
/// The shared-servers mode (<c>shared-servers --server DLL --folder DIR --servers N</c>): a private PostgreSQL
/// cluster (in a temporary directory) and an s3rver over DIR (the tests' harnesses: <see cref="PostgresCluster"/>,
/// <see cref="S3rverProcess"/>), and N dittofs processes on one configuration of both (<see cref="SharedServersConfig"/>),
/// each on its own port. Prints <c>ports=P1,P2,...</c> once all answer, then holds them until its standard input
/// closes (or SIGTERM) and stops everything it started. The Bench target (build.cake) drives the load: the
/// <c>pg</c> kind of its peer run and its one-vs-two-servers run.
/// </summary>
internal static class SharedServersRun
{
    public const string Usage = "usage: shared-servers --server DLL --folder DIR [--servers N (1-8, default 1)]";

    public static async Task<int> RunAsync(string[] args)
    {
        string server, folder;
        int count;
        try
        {
            (server, folder, count) = Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"shared-servers: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        Directory.CreateDirectory(folder);
        PostgresCluster? postgres = null;
        S3rverProcess? s3 = null;
        var servers = new List<DittoFsServer>();
        using var stop = new CancellationTokenSource();
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            postgres = PostgresCluster.Start();
            s3 = S3rverProcess.Start(S3rverInstallation.EnsureInstalled(RepositoryRoot.Find()), Directory.CreateDirectory(Path.Combine(folder, "s3rver")).FullName);
            string config = Path.Combine(folder, "shared-servers.yaml");
            await File.WriteAllTextAsync(config, SharedServersConfig.Yaml(postgres.ConnectionString(postgres.CreateDatabase()), s3.Endpoint, S3rverProcess.AccessKey, S3rverProcess.SecretKey));
            for (int i = 0; i < count; i++)
                servers.Add(await DittoFsServer.StartWithConfigAsync(server, "postgres + S3", config));
            Console.WriteLine($"ports={string.Join(',', servers.Select(s => s.Port.ToString(CultureInfo.InvariantCulture)))}");
            Console.Out.Flush();
            // Console.In reads synchronously even through its async methods: on a thread of its own, so SIGTERM is seen.
            await Task.WhenAny(Task.Run(Console.In.ReadToEnd, CancellationToken.None), Task.Delay(Timeout.Infinite, stop.Token));
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 0;
        }
        finally
        {
            foreach (var running in servers)
                await running.DisposeAsync();
            s3?.Dispose();
            postgres?.Dispose();
        }
    }

    /// <summary>The mode's options; an unknown, missing or out-of-range one is an <see cref="ArgumentException"/> naming it.</summary>
    public static (string Server, string Folder, int Servers) Parse(string[] args)
    {
        var values = ModeArguments.Parse(args);
        foreach (string name in values.Keys.Where(name => name is not ("server" or "folder" or "servers")))
            throw new ArgumentException($"unknown option --{name}");
        if (!values.TryGetValue("server", out string? server))
            throw new ArgumentException("--server DLL is required (dittofs.dll of a Release build)");
        if (!values.TryGetValue("folder", out string? folder))
            throw new ArgumentException("--folder DIR is required (where PostgreSQL, s3rver and the configuration go)");
        int servers = 1;
        if (values.TryGetValue("servers", out string? text) && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out servers) || servers is < 1 or > 8))
            throw new ArgumentException($"--servers {text}: give a number of servers from 1 to 8");
        return (server, folder, servers);
    }
}
