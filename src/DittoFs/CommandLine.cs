using System.CommandLine;
using System.Globalization;
using DittoFs.Server;
using DittoFs.Server.Configuration;
using Microsoft.Extensions.Logging;

namespace DittoFs.Cli;

/// <summary>
/// The one error path of the command line. Usage errors (an unknown flag or command, a value that does not parse)
/// exit with 2 after a short message on stderr; a start that fails exits with 1 after one line on stderr naming what
/// failed and the key or flag to change (<see cref="StartupException"/>).
/// </summary>
internal static class CommandLine
{
    public const int StartFailed = 1;
    public const int UsageError = 2;

    /// <summary>
    /// An int option whose unparseable value is a usage error saying what is expected ("--port: 'abc' is not a port
    /// number (0-65535)"), not the parser's "as expected type 'System.Nullable`1[System.Int32]'".
    /// </summary>
    public static Option<int?> IntOption(string name, string expected, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
                return value;
            result.AddError($"{name}: '{text}' is not {expected}");
            return null;
        },
    };

    /// <summary>
    /// Parses and runs. The single-dash spellings of the Go original (-port 2049) are taken as their --long flags, so
    /// that --help shows the --long spellings (System.CommandLine shows one alias of each option, the shortest prefix).
    /// </summary>
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var parsed = root.Parse(LongSpellings(root, args));
        if (parsed.Errors.Count > 0)
            return FsckCli.UsageError(parsed) ?? Usage(parsed);
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    private static int Usage(ParseResult parsed)
    {
        foreach (var error in parsed.Errors)
            Console.Error.WriteLine("dittofs: " + error.Message);
        Console.Error.WriteLine("Try 'dittofs --help'.");
        return UsageError;
    }

    /// <summary>Each "-name", "-name=value" or "-name:value" whose name is a --name option of the command line, as "--name...".</summary>
    internal static string[] LongSpellings(RootCommand root, string[] args)
    {
        var names = root.Options.Concat(root.Subcommands.SelectMany(command => command.Options))
            .Select(option => option.Name)
            .Where(name => name.StartsWith("--", StringComparison.Ordinal))
            .Select(name => name[2..])
            .ToHashSet(StringComparer.Ordinal);
        var result = new string[args.Length];
        bool optionsEnded = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            optionsEnded |= arg == "--";
            if (!optionsEnded && arg.Length > 1 && arg[0] == '-' && arg[1] != '-')
            {
                int end = arg.IndexOfAny(['=', ':']);
                if (names.Contains(end < 0 ? arg[1..] : arg[1..end]))
                    arg = "-" + arg;
            }
            result[i] = arg;
        }
        return result;
    }

    /// <summary>
    /// Reports a failed start on stderr in one line and returns the exit code: 1, or 2 for a configuration error found
    /// only at start. Anything not foreseen is still one line; its stack trace is logged at DEBUG.
    /// </summary>
    public static int StartFailure(Exception exception, bool configFile, bool contentPathGiven, ILogger log)
    {
        switch (exception)
        {
            case StartupException failure:
                Console.Error.WriteLine($"dittofs: {failure.Problem} (change {Where(failure.Key, configFile, contentPathGiven)})");
                return StartFailed;
            case ConfigException config:
                Console.Error.WriteLine(config.Message);
                return UsageError;
            default:
                Console.Error.WriteLine($"dittofs: could not start: {exception.GetType().Name}: {OneLine(exception.Message)} (--log-level DEBUG logs the stack trace)");
                log.LogDebug(exception, "The start failed");
                return StartFailed;
        }
    }

    /// <summary>What to change, as the operator wrote it: the key of the configuration file and its flag, or the flag that made the key.</summary>
    internal static string Where(string key, bool configFile, bool contentPathGiven)
    {
        if (contentPathGiven && key.StartsWith("content.stores.", StringComparison.Ordinal))
            return "--content-path";
        if (!configFile && DefaultConfig.IsDataDirectoryKey(key))
            return "--data-dir";
        string? flag = CommandLineOverrides.FlagOf(key);
        return flag is null ? key : $"{key} or {flag}";
    }

    private static string OneLine(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
