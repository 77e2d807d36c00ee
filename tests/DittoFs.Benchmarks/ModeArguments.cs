namespace DittoFs.Benchmarks;

/// <summary>The load modes' command lines (locks, smallfiles, curves): <c>--name value</c> pairs, nothing else.</summary>
internal static class ModeArguments
{
    /// <summary>The values by name (without "--"); an argument that is not a --name followed by a value is an <see cref="ArgumentException"/>.</summary>
    public static Dictionary<string, string> Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            values[args[i][2..]] = args[++i];
        }
        return values;
    }
}
