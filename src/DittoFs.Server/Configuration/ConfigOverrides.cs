namespace DittoFs.Server.Configuration;

/// <summary>What replaces keys of the file: DITTOFS_* environment variables (<see cref="EnvironmentOverrides"/>), then flags.</summary>
public sealed record ConfigOverrides(IReadOnlyDictionary<string, string>? Environment = null, CommandLineOverrides? Flags = null);
