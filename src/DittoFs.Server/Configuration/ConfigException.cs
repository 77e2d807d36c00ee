namespace DittoFs.Server.Configuration;

/// <summary>A configuration error: which key, where in the file, and what would be valid.</summary>
public sealed class ConfigException(string key, int line, int column, string problem)
    : Exception(line > 0 ? $"config error at line {line}, column {column}: {key}: {problem}" : $"config error: {key}: {problem}")
{
    public string Key { get; } = key;
    public int Line { get; } = line;
    public int Column { get; } = column;
    public string Problem { get; } = problem;
}
