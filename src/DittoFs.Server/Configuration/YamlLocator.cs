using YamlDotNet.RepresentationModel;

namespace DittoFs.Server.Configuration;

/// <summary>
/// Finds where a key path (e.g. shares[1].metadata_store) sits in the YAML text, so semantic errors found
/// after deserialisation can still name a line and column.
/// </summary>
internal sealed class YamlLocator
{
    private readonly YamlNode? _root;

    public YamlLocator(string text)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            _root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null;
        }
        catch (YamlDotNet.Core.YamlException)
        {
            _root = null; // the deserialiser reports syntax errors itself
        }
    }

    /// <summary>Line and column (1-based) of the deepest node of <paramref name="path"/> that exists; (0, 0) if none.</summary>
    public (int Line, int Column) Find(params object[] path)
    {
        var node = _root;
        var found = node;
        foreach (var step in path)
        {
            node = (node, step) switch
            {
                (YamlMappingNode map, string key) => map.Children.FirstOrDefault(c => c.Key is YamlScalarNode s && s.Value == key).Value,
                (YamlSequenceNode list, int index) when index < list.Children.Count => list.Children[index],
                _ => null,
            };
            if (node is null)
                break;
            found = node;
        }
        return found is null ? (0, 0) : ((int)found.Start.Line, (int)found.Start.Column);
    }
}
