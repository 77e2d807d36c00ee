using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>Range checks for numeric options, reported as parse errors (exit code 2).</summary>
internal static class OptionRange
{
    /// <summary>Adds a check that the option's value lies in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<T> Within<T>(this Option<T> option, T min, T max)
        where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            // An unparseable value is already an error of its own; defaults are in range by construction.
            string? text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (text is null || !T.TryParse(text, CultureInfo.InvariantCulture, out T value))
                return;
            if (value < min || value > max)
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be between {min} and {max} (got {text})."));
        });
        return option;
    }
}
