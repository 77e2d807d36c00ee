namespace DittoFs.Server;

/// <summary>
/// The server could not start, for a reason the operator fixes in the configuration or the machine: a port in use,
/// a data directory that cannot be written or that another server holds, an S3 endpoint that does not answer.
/// <see cref="Problem"/> is one line saying what failed (and what would be valid); <see cref="Key"/> is the
/// configuration key to change. dittofs prints both on one line of stderr and exits with 1; the command line turns
/// the key into its flag where one exists (<see cref="Configuration.CommandLineOverrides.FlagOf"/>).
/// </summary>
public sealed class StartupException(string problem, string key, Exception? inner = null) : Exception($"{problem} (change {key})", inner)
{
    public string Problem { get; } = problem;
    public string Key { get; } = key;
}
