using DittoFs.Server.Configuration;

namespace DittoFs.Server.Fsck;

/// <summary>
/// <c>dittofs fsck [--config FILE | --data-dir DIR] [--repair]</c>: the stores of a stopped server, checked offline.
/// Exit codes as fsck tools use them: 0 clean, 1 problems found (repaired or not: run again to see it clean),
/// 2 usage error or could not check (bad configuration, a store in use by a running server, nothing there: no store
/// holds data where the configuration points).
/// </summary>
public static class FsckCommand
{
    public const int Clean = 0;
    public const int ProblemsFound = 1;
    public const int UsageError = 2;

    public static async Task<int> RunAsync(string? configFile, string? dataDirectory, bool repair, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        if (configFile is not null && dataDirectory is not null)
        {
            error.WriteLine("fsck: give --config FILE or --data-dir DIR, not both (--data-dir means the embedded default configuration)");
            return UsageError;
        }
        try
        {
            // The stores the server would open: the same file or embedded default, with the same DITTOFS_* variables.
            var overrides = new ConfigOverrides(EnvironmentOverrides.OfProcess());
            var config = configFile is not null
                ? ConfigLoader.LoadFile(configFile, StoreRegistry.AvailableTypes, overrides)
                : DefaultConfig.Load(dataDirectory ?? DefaultConfig.DataDirectory, overrides);
            var report = await FsckRunner.RunAsync(config, repair, output, cancellationToken).ConfigureAwait(false);
            if (report.NothingChecked)
            {
                var paths = config.Metadata.Stores.Values.Where(store => store.Rocksdb is not null).Select(store => store.Rocksdb!.DbPath).ToList();
                error.WriteLine(paths.Count == 0
                    ? "fsck: nothing there: this configuration has no metadata store on disk (only memory stores), nothing to check"
                    : $"fsck: nothing there: no metadata database at {string.Join(", ", paths)}, so nothing was checked; " +
                      $"is {(configFile is null ? "--data-dir" : "--config")} the one the server uses?");
            }
            return report.ExitCode;
        }
        catch (ConfigException exception)
        {
            foreach (var problem in exception.Errors)
                error.WriteLine("fsck: " + problem.Message);
            return UsageError;
        }
        catch (FsckException exception)
        {
            error.WriteLine("fsck: " + exception.Message);
            return UsageError;
        }
    }
}
