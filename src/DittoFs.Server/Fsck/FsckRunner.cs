using DittoFs.Server.Configuration;
using DittoFs.Storage;
using DittoFs.Storage.Postgres;
using DittoFs.Storage.RocksDb.Consistency;

namespace DittoFs.Server.Fsck;

/// <summary>
/// Checks, and with repair fixes, every store a configuration names, offline: each RocksDB metadata store
/// (<see cref="MetadataChecker"/>) and each PostgreSQL one (<see cref="PostgresChecker"/>, online: one snapshot while
/// servers may serve, findings reported, not repaired), then each content store that can list itself against the metadata stores its
/// shares pair it with (<see cref="ContentChecker"/>). Metadata goes first, so content of objects a repair removed
/// is found orphaned and removed in the same run. Writes what it finds to <c>output</c> as it goes.
/// </summary>
public static class FsckRunner
{
    public static async Task<FsckReport> RunAsync(DittoConfig config, bool repair, TextWriter output, CancellationToken cancellationToken = default)
    {
        var report = new FsckReport();
        var shared = new Dictionary<MetadataCheckReport, ContentChecker.SharedOwner>();
        foreach (var (name, store) in config.Metadata.Stores)
        {
            if (store.Type == "postgres" && store.Postgres is not null)
            {
                CheckPostgres(report, output, name, store.Postgres, repair, shared);
                continue;
            }
            if (store.Type != "rocksdb" || store.Rocksdb is null)
            {
                Note(report, output, $"metadata store '{name}' ({store.Type}): keeps nothing on disk, nothing to check");
                continue;
            }
            CheckMetadata(report, output, name, store.Rocksdb.DbPath, repair);
        }
        foreach (var (name, store) in config.Content.Stores)
        {
            var owners = config.Shares.Where(share => share.ContentStore == name)
                .Select(share => report.Metadata.GetValueOrDefault(share.MetadataStore))
                .OfType<MetadataCheckReport>().Distinct().ToList();
            await CheckContentAsync(report, output, name, store, owners, repair, shared, cancellationToken).ConfigureAwait(false);
        }
        // Nothing checked is not clean: the command says so on stderr (exit 2).
        if (report.NothingChecked)
            return report;
        output.WriteLine(report.IsClean
            ? "clean: no problems found"
            : $"{report.ProblemCount} problem(s) found, {report.RepairedCount} repaired{(repair ? "" : " (run with --repair to fix what is safe to fix)")}");
        return report;
    }

    private static void CheckMetadata(FsckReport report, TextWriter output, string name, string path, bool repair)
    {
        MetadataCheckReport checkedStore;
        try
        {
            checkedStore = MetadataChecker.Check(path, repair);
        }
        catch (Exception exception) when (exception is DirectoryNotFoundException
            || (exception is RocksDbSharp.RocksDbException && exception.Message.Contains("does not exist", StringComparison.Ordinal)))
        {
            Note(report, output, $"metadata store '{name}' (rocksdb, {path}): no database there yet, nothing to check");
            return;
        }
        catch (RocksDbSharp.RocksDbException exception)
        {
            throw new FsckException($"metadata store '{name}' (rocksdb, {path}) cannot be opened: {exception.Message.Trim()} (is dittofs still running on it? fsck works offline)");
        }
        report.Metadata[name] = checkedStore;
        output.WriteLine($"metadata store '{name}' (rocksdb, {path}): {checkedStore.Inodes} objects, {checkedStore.Directories} directories, {checkedStore.Entries} entries, {checkedStore.ShareRoots.Count} share(s)");
        foreach (var finding in checkedStore.Findings)
        {
            output.WriteLine("  " + finding);
        }
        if (checkedStore.RepairRefused is { } refused)
        {
            output.WriteLine("  repair refused: " + refused);
        }
    }

    /// <summary>
    /// A PostgreSQL store, checked in one snapshot while servers may serve (<see cref="PostgresChecker"/>); its
    /// findings are reported, not repaired. Its report is a shared owner for the content check (fresh reads before
    /// anything is called orphaned).
    /// </summary>
    private static void CheckPostgres(FsckReport report, TextWriter output, string name, PostgresConfig config, bool repair,
        Dictionary<MetadataCheckReport, ContentChecker.SharedOwner> shared)
    {
        PostgresMetadataStoreOptions options;
        try
        {
            options = StoreRegistry.PostgresOptions(name, config, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        }
        catch (StartupException exception)
        {
            throw new FsckException($"metadata store '{name}' (postgres) cannot be opened: {exception.Problem}");
        }
        string where = Describe(options.ConnectionString);
        PostgresCheckResult? result;
        try
        {
            result = PostgresChecker.Check(options.ConnectionString, options.Password);
        }
        catch (Exception exception) when (exception is PostgresUnavailableException or PostgresSchemaException or Npgsql.NpgsqlException)
        {
            throw new FsckException($"metadata store '{name}' (postgres, {where}) cannot be checked: {exception.Message}");
        }
        if (result is null)
        {
            Note(report, output, $"metadata store '{name}' (postgres, {where}): no DittoFs tables there yet, nothing to check");
            return;
        }
        var findings = result.Findings
            .Select(finding => new ConsistencyFinding(Enum.Parse<ConsistencyProblem>(finding.Problem), finding.FileId, finding.Detail, Repairable: false))
            .ToList();
        var checkedStore = new MetadataCheckReport
        {
            Findings = findings,
            RepairRefused = repair && findings.Count > 0 ? "fsck does not repair PostgreSQL metadata (servers may be serving it); the findings need a look" : null,
            Inodes = result.Inodes,
            Directories = result.Directories,
            Entries = result.Entries,
            ContentIdPrefix = result.ContentIdPrefix,
            ShareRoots = result.ShareRoots,
            Content = result.Content,
            ReleasedContent = result.ReleasedContent,
        };
        report.Metadata[name] = checkedStore;
        shared[checkedStore] = contents =>
        {
            var (live, released) = PostgresChecker.Recheck(options.ConnectionString, options.Password, contents);
            return (live, released);
        };
        output.WriteLine($"metadata store '{name}' (postgres, {where}): {result.Inodes} objects, {result.Directories} directories, {result.Entries} entries, {result.ShareRoots.Count} share(s), {result.ReleasedContent.Count} released awaiting deletion");
        foreach (var finding in findings)
        {
            output.WriteLine("  " + finding);
        }
        if (checkedStore.RepairRefused is { } refused)
        {
            output.WriteLine("  repair refused: " + refused);
        }
    }

    /// <summary>The database and host of a connection string, never its password.</summary>
    private static string Describe(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        return $"'{builder.Database}' at {builder.Host}:{builder.Port}";
    }

    private static async Task CheckContentAsync(FsckReport report, TextWriter output, string name, ContentStoreConfig store, List<MetadataCheckReport> owners, bool repair,
        IReadOnlyDictionary<MetadataCheckReport, ContentChecker.SharedOwner> shared, CancellationToken cancellationToken)
    {
        if (owners.Count == 0)
        {
            Note(report, output, $"content store '{name}' ({store.Type}): no checked metadata store pairs with it, nothing to hold it against");
            return;
        }
        if (store.Type == "filesystem" && !Directory.Exists(store.Filesystem?.Path))
        {
            Note(report, output, $"content store '{name}' (filesystem, {store.Filesystem?.Path}): no directory there yet, nothing to check");
            return;
        }
        if (store.Type == "memory")
        {
            Note(report, output, $"content store '{name}' (memory): keeps nothing on disk, nothing to check");
            return;
        }
        // The registry builds the store exactly as the server would (and so knows every type this build has).
        var only = new DittoConfig { Content = new StoreSection<ContentStoreConfig> { Stores = { [name] = store } } };
        StoreRegistry registry;
        try
        {
            registry = await StoreRegistry.CreateAsync(only).ConfigureAwait(false);
        }
        catch (StartupException exception)
        {
            throw new FsckException($"content store '{name}' ({store.Type}) cannot be opened: {exception.Problem}");
        }
        catch (Exception exception) when (exception is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            throw new FsckException($"content store '{name}' ({store.Type}) cannot be opened: {exception.Message}");
        }
        await using var opened = registry;
        var content = registry.ContentStores[name];
        if (content is not IContentInventory inventory)
        {
            Note(report, output, $"content store '{name}' ({store.Type}): cannot list its content; orphaned content not checked");
            return;
        }
        List<ContentFinding> findings;
        ulong listed, foreign;
        try
        {
            (findings, listed, foreign) = await ContentChecker.CheckAsync(name, content, inventory, owners, repair, cancellationToken, shared).ConfigureAwait(false);
        }
        catch (IOException exception)
        {
            // A listing that broke off (S3 gone, a directory unreadable) checked only part of the store: not clean.
            throw new FsckException($"content store '{name}' ({store.Type}) could not be listed to the end: {exception.Message}");
        }
        report.Content.AddRange(findings);
        output.WriteLine($"content store '{name}' ({store.Type}): {listed} pieces of content{(foreign > 0 ? $", {foreign} of stores this configuration does not check (left alone)" : "")}");
        foreach (var finding in findings)
        {
            output.WriteLine("  " + finding);
        }
    }

    private static void Note(FsckReport report, TextWriter output, string note)
    {
        report.Notes.Add(note);
        output.WriteLine(note);
    }
}

/// <summary>fsck could not run (a store in use, a bad configuration): exit code 2.</summary>
public sealed class FsckException(string message) : Exception(message);
