using DittoFs.Server.Configuration;
using DittoFs.Storage;
using DittoFs.Storage.RocksDb.Consistency;

namespace DittoFs.Server.Fsck;

/// <summary>
/// Checks, and with repair fixes, every store a configuration names, offline: each RocksDB metadata store
/// (<see cref="MetadataChecker"/>), then each content store that can list itself against the metadata stores its
/// shares pair it with (<see cref="ContentChecker"/>). Metadata goes first, so content of objects a repair removed
/// is found orphaned and removed in the same run. Writes what it finds to <c>output</c> as it goes.
/// </summary>
public static class FsckRunner
{
    public static async Task<FsckReport> RunAsync(DittoConfig config, bool repair, TextWriter output, CancellationToken cancellationToken = default)
    {
        var report = new FsckReport();
        foreach (var (name, store) in config.Metadata.Stores)
        {
            if (store.Type == "postgres")
            {
                Note(report, output, $"metadata store '{name}' (postgres): fsck does not check PostgreSQL stores yet, nothing checked");
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
            await CheckContentAsync(report, output, name, store, owners, repair, cancellationToken).ConfigureAwait(false);
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

    private static async Task CheckContentAsync(FsckReport report, TextWriter output, string name, ContentStoreConfig store, List<MetadataCheckReport> owners, bool repair, CancellationToken cancellationToken)
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
            (findings, listed, foreign) = await ContentChecker.CheckAsync(name, content, inventory, owners, repair, cancellationToken).ConfigureAwait(false);
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
