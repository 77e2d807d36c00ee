using System.Text.RegularExpressions;

namespace DittoFs.Server.Configuration.Model;

/// <summary>How the annotated configuration writes a text value: plain when YAML reads it back as that text, else quoted.</summary>
internal static partial class YamlText
{
    public static string Quote(string text) =>
        Plain().IsMatch(text) && !Special().IsMatch(text) ? text : "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    [GeneratedRegex(@"^[A-Za-z0-9/_.][A-Za-z0-9/_.@=;-]*$")]
    private static partial Regex Plain();

    // What YAML 1.1/1.2 would read as a boolean, null or number.
    [GeneratedRegex(@"^(true|false|yes|no|on|off|y|n|null|~|[-+]?[0-9][0-9_.]*([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+)$", RegexOptions.IgnoreCase)]
    private static partial Regex Special();
}
