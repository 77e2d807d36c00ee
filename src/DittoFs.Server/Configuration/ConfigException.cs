namespace DittoFs.Server.Configuration;

/// <summary>
/// One configuration error: which key (its full path, or the flag or environment variable that set it), where in the
/// file, and what would be valid. One line.
/// </summary>
public sealed record ConfigError(string Key, int Line, int Column, string Problem)
{
    public string Message => Line > 0 ? $"config error at line {Line}, column {Column}: {Key}: {Problem}" : $"config error: {Key}: {Problem}";
}

/// <summary>Every error a configuration has (at least one), in the order of the file; the message is one line per error.</summary>
public sealed class ConfigException(IReadOnlyList<ConfigError> errors) : Exception(string.Join('\n', errors.Select(e => e.Message)))
{
    public ConfigException(string key, int line, int column, string problem)
        : this([new ConfigError(key, line, column, problem)])
    {
    }

    public IReadOnlyList<ConfigError> Errors { get; } = errors;

    // The first error, which is the only one when the configuration has one.
    public string Key => Errors[0].Key;
    public int Line => Errors[0].Line;
    public int Column => Errors[0].Column;
    public string Problem => Errors[0].Problem;
}
