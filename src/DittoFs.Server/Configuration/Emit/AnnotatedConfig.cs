using System.Collections;
using System.Text;
using DittoFs.Server.Configuration.Model;

namespace DittoFs.Server.Configuration.Emit;

/// <summary>
/// A configuration written as YAML with every key of <see cref="ConfigModel"/>, each under a comment saying what it is
/// and what it may be: `dittofs config init` writes the embedded default this way, and the server without --config
/// loads exactly that text. Store settings of the types a store does not use are written commented out.
/// </summary>
public static class AnnotatedConfig
{
    private const int Width = 100;

    public const string Header = """
        # DittoFs configuration, as `dittofs config init` writes it: every key with its value (the defaults, and the
        # embedded default's stores and share). Check it with `dittofs config validate FILE`, serve it with
        # `dittofs --config FILE`. DITTOFS_<SECTION>_<KEY> variables and flags override keys. Every key is described in
        # docs/configuration.md of the DittoFs repository; docs/dittofs.schema.json lets editors complete and check it.

        """;

    public static string Render(DittoConfig config)
    {
        var text = new StringBuilder(Header);
        var lines = Section(ConfigModel.Root, config, withComments: true);
        for (int i = 0; i < lines.Count; i++)
        {
            // A blank line before each section's comment.
            if (i > 0 && lines[i].StartsWith("# ", StringComparison.Ordinal) && !lines[i - 1].StartsWith('#'))
                text.Append('\n');
            text.Append(lines[i]).Append('\n');
        }
        return text.ToString();
    }

    private static List<string> Section(SectionShape shape, object instance, bool withComments)
    {
        var lines = new List<string>();
        foreach (var key in shape.Keys)
        {
            var value = key.Property.GetValue(instance);
            if (withComments)
                lines.AddRange(Comment(key));
            switch (key.Shape)
            {
                case ScalarShape scalar:
                    lines.Add($"{key.Name}: {scalar.Rule.Format(value)}");
                    break;
                case SectionShape nested when value is null:
                    // Settings of a store type not in use: shown with their defaults, commented out.
                    lines.AddRange(Nested(key.Name, Section(nested, Activator.CreateInstance(nested.Type)!, withComments: false)).Select(line => "# " + line));
                    break;
                case SectionShape nested:
                    lines.AddRange(Nested(key.Name, Section(nested, value!, withComments)));
                    break;
                case MapShape { Value: SectionShape item }:
                    var map = (IDictionary)value!;
                    if (map.Count == 0)
                        lines.Add($"{key.Name}: {{}}");
                    else
                        lines.AddRange(Nested(key.Name, map.Keys.Cast<string>().SelectMany(name => Nested(YamlText.Quote(name), Section(item, map[name]!, withComments))).ToList()));
                    break;
                case ListShape { Item: ScalarShape item }:
                    lines.Add($"{key.Name}: [{string.Join(", ", ((IEnumerable)value!).Cast<object>().Select(item.Rule.Format))}]");
                    break;
                case ListShape { Item: SectionShape item }:
                    var items = ((IEnumerable)value!).Cast<object>().ToList();
                    if (items.Count == 0)
                        lines.Add($"{key.Name}: []");
                    else
                        lines.AddRange(Nested(key.Name, items.SelectMany(entry => ListItem(Section(item, entry, withComments))).ToList()));
                    break;
                default:
                    throw new InvalidOperationException($"{key.Name}: no YAML form for {key.Shape}");
            }
        }
        return lines;
    }

    /// <summary>A list item: the comments before its first key at the dash's column, then "- " before that key.</summary>
    private static IEnumerable<string> ListItem(List<string> lines)
    {
        int first = lines.FindIndex(line => !line.StartsWith('#'));
        return lines.Select((line, i) => i < first ? line : (i == first ? "- " : "  ") + line);
    }

    private static IEnumerable<string> Nested(string name, List<string> lines) => lines.Select(line => "  " + line).Prepend(name + ":");

    /// <summary>The key's description and, where it is not free text, what it may be, wrapped as comment lines.</summary>
    private static IEnumerable<string> Comment(ConfigKey key)
    {
        string text = key.Shape switch
        {
            ScalarShape { Rule: not (TextRule or BooleanRule) } scalar => $"{key.Description} Valid: {scalar.Rule.Expected}.",
            ListShape { Item: ScalarShape { Rule: not TextRule } item } => $"{key.Description} Each: {item.Rule.Expected}.",
            _ => key.Description,
        };
        var line = new StringBuilder("#");
        foreach (var word in text.Split(' '))
        {
            if (line.Length + 1 + word.Length > Width && line.Length > 1)
            {
                yield return line.ToString();
                line.Clear().Append('#');
            }
            line.Append(' ').Append(word);
        }
        yield return line.ToString();
    }
}
