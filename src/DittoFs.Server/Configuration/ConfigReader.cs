using System.Collections;
using DittoFs.Server.Configuration.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DittoFs.Server.Configuration;

/// <summary>
/// Checks a <see cref="ConfigDocument"/> against <see cref="ConfigModel"/> and binds it to a <see cref="DittoConfig"/>,
/// going on past each error so that one run reports them all: unknown keys (with the nearest valid name), values of
/// the wrong shape or outside their rule, missing required keys. A key in error keeps its default.
/// </summary>
internal sealed class ConfigReader(ConfigDocument document, List<ConfigError> errors)
{
    private static readonly object Invalid = new();

    public DittoConfig Read() => (DittoConfig)Read(ConfigModel.Root, typeof(DittoConfig), document.Root, "", null)!;

    private object? Read(ConfigShape shape, Type type, YamlNode? node, string path, object? current)
    {
        if (IsNull(node))
        {
            return shape switch
            {
                ScalarShape { Nullable: true } => null,
                ScalarShape { Rule: TextRule } => "",
                ScalarShape scalar => Fail(node, path, $"needs a value: {scalar.Rule.Expected}"),
                _ => current ?? Activator.CreateInstance(type),
            };
        }
        return shape switch
        {
            SectionShape section => ReadSection(section, type, node!, path, current),
            MapShape map => ReadMap(map, type, node!, path),
            ListShape list => ReadList(list, type, node!, path),
            ScalarShape scalar => ReadScalar(scalar, node!, path),
            _ => throw new InvalidOperationException(shape.ToString()),
        };
    }

    private object? ReadSection(SectionShape section, Type type, YamlNode node, string path, object? current)
    {
        if (node is not YamlMappingNode map)
            return Fail(node, path, $"is {KindOf(node)}; expected keys: {string.Join(", ", section.Keys.Select(k => k.Name))}");
        var instance = current ?? Activator.CreateInstance(type)!;
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in map.Children)
        {
            string name = (keyNode as YamlScalarNode)?.Value ?? "";
            string keyPath = Join(path, name);
            var key = section.Find(name);
            if (key is null)
            {
                Fail(keyNode, keyPath, UnknownKey(name, section.Keys.Select(k => k.Name)));
                continue;
            }
            present.Add(name);
            var value = Read(key.Shape, key.Property.PropertyType, valueNode, keyPath, key.Property.GetValue(instance));
            if (value != Invalid)
                key.Property.SetValue(instance, value);
        }
        foreach (var key in section.Keys.Where(k => k.Required && !present.Contains(k.Name)))
            Fail(node, Join(path, key.Name), $"is missing and required ({char.ToLowerInvariant(key.Description[0])}{key.Description[1..].TrimEnd('.')})");
        return instance;
    }

    private object? ReadMap(MapShape shape, Type type, YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
            return Fail(node, path, $"is {KindOf(node)}; expected a mapping of NAME: {{...}}");
        var dictionary = (IDictionary)Activator.CreateInstance(type)!;
        var valueType = type.GetGenericArguments()[1];
        foreach (var (keyNode, valueNode) in map.Children)
        {
            string name = (keyNode as YamlScalarNode)?.Value ?? "";
            var value = Read(shape.Value, valueType, valueNode, $"{path}.{name}", null);
            if (value != Invalid)
                dictionary[name] = value;
        }
        return dictionary;
    }

    private object? ReadList(ListShape shape, Type type, YamlNode node, string path)
    {
        if (node is not YamlSequenceNode sequence)
            return Fail(node, path, $"is {KindOf(node)}; expected a list");
        var list = (IList)Activator.CreateInstance(type)!;
        var itemType = type.GetGenericArguments()[0];
        for (int i = 0; i < sequence.Children.Count; i++)
        {
            var item = Read(shape.Item, itemType, sequence.Children[i], $"{path}[{i}]", null);
            if (item != Invalid)
                list.Add(item);
        }
        return list;
    }

    private object? ReadScalar(ScalarShape shape, YamlNode node, string path)
    {
        if (node is not YamlScalarNode scalar)
            return Fail(node, path, $"is {KindOf(node)}; expected {shape.Rule.Expected}");
        return shape.Rule.TryRead(scalar.Value!, out var value, out string problem) ? value : Fail(node, path, problem);
    }

    private object Fail(YamlNode? node, string path, string problem)
    {
        errors.Add(document.ErrorAt(node, path, problem));
        return Invalid;
    }

    private static bool IsNull(YamlNode? node) =>
        node is null || node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string KindOf(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ => "a single value",
    };

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    /// <summary>
    /// "unknown key; did you mean 'log_level'?" when a valid name is near; where the key belongs when it is a key of
    /// another place (log_level under metrics); else the valid names.
    /// </summary>
    private static string UnknownKey(string name, IEnumerable<string> valid)
    {
        if (Suggestions.Nearest(name, valid) is { } nearest)
            return $"unknown key; did you mean '{nearest}'?";
        var elsewhere = ConfigModel.Keys().Where(k => k.Key.Name == name).Select(k => k.Path).ToList();
        return elsewhere.Count > 0
            ? $"unknown key here; it belongs at {string.Join(" or ", elsewhere)}"
            : $"unknown key; valid here: {string.Join(", ", valid)}";
    }
}

/// <summary>The valid name nearest to a mistyped one.</summary>
internal static class Suggestions
{
    /// <summary>The candidate within a few edits of <paramref name="name"/> (ignoring case), or null when none is near.</summary>
    public static string? Nearest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            int distance = Distance(name.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
                (best, bestDistance) = (candidate, distance);
        }
        return bestDistance <= Math.Max(2, name.Length / 3) ? best : null;
    }

    /// <summary>Edits (insert, delete, substitute, swap two neighbours) from <paramref name="a"/> to <paramref name="b"/>.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
