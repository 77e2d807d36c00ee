using DittoFs.Server.Configuration.Model;
using YamlDotNet.RepresentationModel;

namespace DittoFs.Server.Configuration;

/// <summary>
/// Environment variables that replace keys, for containers: <c>DITTOFS_</c> and the key's path with each part in
/// upper case, joined by <c>_</c>: <c>DITTOFS_SERVER_LOG_LEVEL</c> is server.log_level,
/// <c>DITTOFS_CONTENT_STORES_S3_CONTENT_S3_MAX_DIRTY_BYTES</c> is content.stores.s3-content.s3.max_dirty_bytes (in a
/// store's name every character but A-Z and 0-9 becomes <c>_</c>; only stores the file defines can be named). A name
/// is never split at its underscores: it is compared whole with the variable of every key (from the model and the
/// file's store names), so an underscore inside a key name cannot be misread. Two keys with one variable (stores "a-b"
/// and "a_b") make that variable an error, as does a variable under a section's prefix (<c>DITTOFS_SERVER_</c>, ...)
/// that names no key: a typo must not be ignored. Other DITTOFS_* variables are not configuration. Shares (a list)
/// have no variables.
/// </summary>
public static class EnvironmentOverrides
{
    public const string Prefix = "DITTOFS_";

    /// <summary>The variable of a key path such as ["server", "log_level"].</summary>
    public static string VariableOf(IEnumerable<string> path) =>
        Prefix + string.Join('_', path.Select(part => string.Concat(part.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_'))));

    /// <summary>The process's DITTOFS_* variables.</summary>
    public static IReadOnlyDictionary<string, string> OfProcess() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Where(e => ((string)e.Key).StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal);

    /// <summary>Puts each variable's value at its key in <paramref name="document"/>; a variable that names no key, or two, is an error.</summary>
    internal static void Apply(IReadOnlyDictionary<string, string> environment, ConfigDocument document, List<ConfigError> errors)
    {
        var keys = Scalars(ConfigModel.Root, document.Root, []).ToLookup(path => VariableOf(path));
        var sections = ConfigModel.Root.Keys.Select(k => VariableOf([k.Name]) + "_").ToList();
        foreach (var (variable, value) in environment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var matches = keys[variable].ToList();
            if (matches.Count == 1)
                document.Set(matches[0], value, variable);
            else if (matches.Count > 1)
                errors.Add(new ConfigError(variable, 0, 0, $"names {string.Join(" and ", matches.Select(m => string.Join('.', m)))}; rename a store so that their variables differ"));
            else if (sections.Any(section => variable.StartsWith(section, StringComparison.Ordinal)))
                errors.Add(new ConfigError(variable, 0, 0, UnknownVariable(variable, keys.Select(k => k.Key))));
        }
    }

    private static string UnknownVariable(string variable, IEnumerable<string> valid)
    {
        var nearest = Suggestions.Nearest(variable, valid);
        return "names no configuration key" + (nearest is null ? " (see docs/configuration.md)" : $"; did you mean {nearest}?");
    }

    /// <summary>The path of every scalar key reachable through sections and the stores <paramref name="node"/> defines.</summary>
    private static IEnumerable<string[]> Scalars(SectionShape section, YamlNode? node, string[] prefix)
    {
        foreach (var key in section.Keys)
        {
            string[] path = [.. prefix, key.Name];
            var child = (node as YamlMappingNode)?.Children.FirstOrDefault(c => c.Key is YamlScalarNode s && s.Value == key.Name).Value;
            var inner = key.Shape switch
            {
                ScalarShape => [path],
                SectionShape nested => Scalars(nested, child, path),
                MapShape { Value: SectionShape value } when child is YamlMappingNode map =>
                    map.Children.Keys.OfType<YamlScalarNode>().SelectMany(name => Scalars(value, map.Children[name], [.. path, name.Value!])),
                _ => [],
            };
            foreach (var found in inner)
                yield return found;
        }
    }
}
