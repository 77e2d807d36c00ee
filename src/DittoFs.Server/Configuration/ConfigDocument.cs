using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DittoFs.Server.Configuration;

/// <summary>
/// The configuration as a YAML tree, with the values that environment variables and flags put into it. Knows where
/// each node came from, so an error names the line and column in the file, or the variable or flag that set it.
/// </summary>
internal sealed class ConfigDocument
{
    private readonly Dictionary<YamlNode, string> _setBy = new(ReferenceEqualityComparer.Instance);

    private ConfigDocument(YamlNode? root) => Root = root;

    /// <summary>The top node; null for an empty file.</summary>
    public YamlNode? Root { get; private set; }

    /// <summary>Parses <paramref name="text"/>; a YAML syntax error is a <see cref="ConfigException"/> with its line and column.</summary>
    public static ConfigDocument Parse(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var inner = e;
            while (inner.InnerException is YamlException deeper)
                inner = deeper;
            throw new ConfigException("(file)", (int)inner.Start.Line, (int)inner.Start.Column, (inner.InnerException ?? inner).Message.TrimEnd('.'));
        }
        return new ConfigDocument(stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null);
    }

    /// <summary>Sets the scalar at <paramref name="path"/> (creating the mappings above it) to <paramref name="value"/>, set by <paramref name="source"/>.</summary>
    public void Set(IReadOnlyList<string> path, string value, string source)
    {
        if (Root is not YamlMappingNode)
            Root = new YamlMappingNode();
        var map = (YamlMappingNode)Root;
        for (int i = 0; i < path.Count - 1; i++)
        {
            var key = new YamlScalarNode(path[i]);
            if (!map.Children.TryGetValue(key, out var child) || child is not YamlMappingNode)
                map.Children[key] = child = new YamlMappingNode();
            map = (YamlMappingNode)child;
        }
        var scalar = new YamlScalarNode(value) { Style = ScalarStyle.DoubleQuoted };
        map.Children[new YamlScalarNode(path[^1])] = scalar;
        _setBy[scalar] = source;
    }

    /// <summary>The node at <paramref name="path"/> (mapping keys and list indexes), or the deepest one that exists.</summary>
    public YamlNode? Find(params object[] path)
    {
        var node = Root;
        foreach (var step in path)
        {
            var next = (node, step) switch
            {
                (YamlMappingNode map, string key) => map.Children.FirstOrDefault(c => c.Key is YamlScalarNode s && s.Value == key).Value,
                (YamlSequenceNode list, int index) when index < list.Children.Count => list.Children[index],
                _ => null,
            };
            if (next is null)
                break;
            node = next;
        }
        return node;
    }

    /// <summary>The error at <paramref name="node"/>: its line and column, or the variable or flag that set it in place of <paramref name="key"/>.</summary>
    public ConfigError ErrorAt(YamlNode? node, string key, string problem)
    {
        if (node is not null && _setBy.TryGetValue(node, out var source))
            return new ConfigError(source, 0, 0, problem);
        return node is null || node.Start.Line == 0 ? new ConfigError(key, 0, 0, problem) : new ConfigError(key, (int)node.Start.Line, (int)node.Start.Column, problem);
    }
}
