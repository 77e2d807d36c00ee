using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace DittoFs.Tests;

/// <summary>
/// A private PostgreSQL cluster for the tests: Debian's server binaries (package <c>postgresql</c>), initdb'ed in a
/// temporary directory, on a free port of 127.0.0.1, trust authentication. initdb and the server refuse to run as
/// root, so as root they run as the <c>postgres</c> system user (which owns the directory). fsync is off: the tests
/// check transactions and locking, not the disk, and a loaded CI machine would spend minutes in fsync otherwise.
/// Linked into each test project that needs a real PostgreSQL (tests/Shared): the store's tests and the end-to-end ones.
/// </summary>
internal sealed class PostgresCluster : IDisposable
{
    private readonly string _bin;
    private readonly string _directory;
    private bool _running;

    private PostgresCluster(string bin, string directory, int port)
    {
        _bin = bin;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    private string DataDirectory => Path.Combine(_directory, "data");

    /// <summary>A connection string for <paramref name="database"/> as the superuser.</summary>
    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database, Timeout = 5 }.ConnectionString;

    /// <summary>Unpooled: the harness's own connections must not be pooled ones that an outage test killed.</summary>
    private string AdminConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(ConnectionString(database)) { Pooling = false }.ConnectionString;

    public static PostgresCluster Start()
    {
        string bin = FindBinaries();
        StopAbandoned(bin);
        string directory = Directory.CreateTempSubdirectory(DirectoryPrefix).FullName;
        File.WriteAllText(Path.Combine(directory, OwnerFile), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var cluster = new PostgresCluster(bin, directory, FreePort());
        try
        {
            if (RunsAsRoot)
            {
                Run("chown", $"postgres {directory}");
            }
            cluster.RunPostgresTool("initdb", $"-D {cluster.DataDirectory} -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8");
            cluster.StartServer();
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Starts the server (again, after <see cref="StopServer"/>) and waits until it takes connections.</summary>
    public void StartServer()
    {
        string options = $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200";
        RunPostgresTool("pg_ctl", $"start -w -t 60 -D {DataDirectory} -l {Path.Combine(_directory, "server.log")} -o '{options}'");
        _running = true;
        // Connections pooled before a stop are dead.
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>Stops the server at once (pg_ctl stop -m fast: sessions are ended, as in an outage).</summary>
    public void StopServer()
    {
        if (_running)
        {
            RunPostgresTool("pg_ctl", $"stop -w -t 60 -m fast -D {DataDirectory}");
            _running = false;
        }
    }

    /// <summary>A new, empty database; its name.</summary>
    public string CreateDatabase()
    {
        string name = "t_" + Guid.NewGuid().ToString("N");
        using var connection = new NpgsqlConnection(AdminConnectionString("postgres"));
        connection.Open();
        using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        command.ExecuteNonQuery();
        return name;
    }

    /// <summary>A new, empty schema in <paramref name="database"/>; a connection string whose search path is that schema.</summary>
    public string CreateSchema(string database)
    {
        string name = "s_" + Guid.NewGuid().ToString("N");
        using var connection = new NpgsqlConnection(AdminConnectionString(database));
        connection.Open();
        using var command = new NpgsqlCommand($"CREATE SCHEMA {name}", connection);
        command.ExecuteNonQuery();
        return new NpgsqlConnectionStringBuilder(ConnectionString(database)) { SearchPath = name }.ConnectionString;
    }

    public void Dispose()
    {
        try
        {
            StopServer();
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private const string DirectoryPrefix = "dittofs-postgres-";
    private const string OwnerFile = "owner.pid";

    /// <summary>
    /// Stops and deletes the clusters of earlier runs whose test host is gone (killed before its tear-down ran), so a
    /// killed run leaves no server behind after the next one.
    /// </summary>
    private static void StopAbandoned(string bin)
    {
        foreach (string directory in Directory.GetDirectories(Path.GetTempPath(), DirectoryPrefix + "*"))
        {
            string owner = Path.Combine(directory, OwnerFile);
            if (!File.Exists(owner) || !int.TryParse(File.ReadAllText(owner), out int pid) || IsAlive(pid))
            {
                continue;
            }
            var abandoned = new PostgresCluster(bin, directory, 0) { _running = File.Exists(Path.Combine(directory, "data", "postmaster.pid")) };
            try
            {
                abandoned.Dispose();
            }
            catch (InvalidOperationException)
            {
                // Not ours to fix: leave it.
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool RunsAsRoot => Environment.UserName == "root";

    private static string FindBinaries()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "pg_ctl"))).OrderDescending().ToList()
            : [];
        return candidates.FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install Debian's postgresql package (dotnet cake --target=TestDependencies does)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a PostgreSQL tool, as the postgres user when this process is root.</summary>
    private void RunPostgresTool(string tool, string arguments)
    {
        string command = $"{Path.Combine(_bin, tool)} {arguments}";
        if (RunsAsRoot)
        {
            Run("su", $"postgres -s /bin/sh -c \"{command}\"");
        }
        else
        {
            Run("/bin/sh", $"-c \"{command}\"");
        }
    }

    private static void Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {arguments} did not finish within 120 s");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {output.Result}{error.Result}");
        }
    }
}
