using System.CommandLine;
using DittoFs.Server;
using DittoFs.Server.Configuration;
using DittoFs.Server.Configuration.Emit;

namespace DittoFs.Cli;

/// <summary>
/// <c>dittofs config</c>: <c>validate FILE</c> reports every error of a configuration file without starting anything
/// (exit 0 valid, 1 errors, 2 usage); <c>init [FILE]</c> writes the annotated default configuration;
/// <c>schema</c> prints its JSON Schema. See docs/configuration.md.
/// </summary>
internal static class ConfigCli
{
    public const int Invalid = 1;

    public static Command Command { get; } = Create();

    private static Command Create()
    {
        var validateFile = new Argument<FileInfo>("FILE") { Description = "The YAML configuration file to check" };
        var validate = new Command("validate", "Report every error of a configuration file, one line each, without opening a store or a port. Exit code 0 valid, 1 errors, 2 usage error")
        {
            validateFile,
        };
        validate.SetAction(parse => Validate(parse.GetValue(validateFile)!));

        var initFile = new Argument<FileInfo?>("FILE") { Description = "Where to write it (default: standard output)", Arity = ArgumentArity.ZeroOrOne };
        var dataDir = new Option<string?>("--data-dir") { Description = $"Data directory of the stores it names (default {DefaultConfig.DataDirectory})" };
        var force = new Option<bool>("--force") { Description = "Replace FILE if it exists" };
        var init = new Command("init", "Write the default configuration with every key, each under a comment saying what it is and what it may be")
        {
            initFile, dataDir, force,
        };
        init.SetAction(parse => Init(parse.GetValue(initFile), parse.GetValue(dataDir) ?? DefaultConfig.DataDirectory, parse.GetValue(force)));

        var schema = new Command("schema", "Print the JSON Schema of the configuration file (docs/dittofs.schema.json), for editors");
        schema.SetAction(_ => Console.Out.Write(ConfigSchema.Text()));

        return new Command("config", "Check, write or describe a configuration file") { validate, init, schema };
    }

    private static int Validate(FileInfo file)
    {
        if (!file.Exists)
        {
            Console.Error.WriteLine($"dittofs config validate: {file.FullName} does not exist");
            return CommandLine.UsageError;
        }
        try
        {
            var config = ConfigLoader.LoadFile(file.FullName, StoreRegistry.AvailableTypes);
            Console.Out.WriteLine($"{file.FullName}: valid ({config.Shares.Count} share(s), {config.Metadata.Stores.Count} metadata and {config.Content.Stores.Count} content store(s))");
            return 0;
        }
        catch (ConfigException exception)
        {
            foreach (var error in exception.Errors)
                Console.Error.WriteLine(error.Message);
            Console.Error.WriteLine($"{file.FullName}: {exception.Errors.Count} error(s)");
            return Invalid;
        }
    }

    private static int Init(FileInfo? file, string dataDirectory, bool force)
    {
        string text = AnnotatedConfig.Render(DefaultConfig.Create(Path.GetFullPath(dataDirectory)));
        if (file is null)
        {
            Console.Out.Write(text);
            return 0;
        }
        if (file.Exists && !force)
        {
            Console.Error.WriteLine($"dittofs config init: {file.FullName} exists; give --force to replace it");
            return CommandLine.UsageError;
        }
        try
        {
            File.WriteAllText(file.FullName, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"dittofs config init: cannot write {file.FullName}: {e.Message}");
            return CommandLine.StartFailed;
        }
        Console.Out.WriteLine($"Wrote {file.FullName}; check it with `dittofs config validate {file.FullName}`, serve it with `dittofs --config {file.FullName}`");
        return 0;
    }
}
