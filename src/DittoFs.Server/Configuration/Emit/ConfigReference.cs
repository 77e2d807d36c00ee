using System.Collections;
using System.Text;
using DittoFs.Server.Configuration.Model;

namespace DittoFs.Server.Configuration.Emit;

/// <summary>docs/configuration.md, from <see cref="ConfigModel"/> (a test keeps the checked-in file equal to this).</summary>
public static class ConfigReference
{
    public static string Markdown()
    {
        var text = new StringBuilder("""
            # Configuration reference

            <!-- Generated from src/DittoFs.Server/Configuration/DittoConfig.cs (the configuration's model) by
                 ConfigReference.cs; ConfigDocsTests fails when this file differs from it. Do not edit by hand. -->

            `dittofs --config FILE` reads a YAML file. Keys are snake_case; unknown keys are errors (with the nearest
            valid name). Words such as `INFO`, `json` or `true` are read in any case, in the file, in the environment
            and in flags alike. Durations: `250ms`, `30s`, `5m`, `1h` or a number of seconds. Sizes: `512KiB`, `4MiB`,
            `1GiB`, `100B` or a number of bytes.

            - `dittofs config init [FILE] [--data-dir DIR]` writes the embedded default configuration with every key,
              each under a comment (to stdout without FILE). The server run without `--config` loads exactly that text.
            - `dittofs config validate FILE` reports every error of FILE, one line each
              (`config error at line 3, column 3: server.log_levle: unknown key; did you mean 'log_level'?`), and exits
              0 when there is none, 1 when there are errors, 2 for a usage error. It opens no store and binds no port.
            - `dittofs config schema` prints the JSON Schema of the file, the same as `docs/dittofs.schema.json`: with
              the YAML language server (VS Code's YAML extension and others), the first line
              `# yaml-language-server: $schema=PATH/TO/dittofs.schema.json` gives completion and checks while editing.

            ## Where values come from

            Later wins: the key's default, the file, an environment variable, a flag. Errors name where the bad value
            came from: the file's line and column and the key's path, the variable, or the flag.

            Environment variables, for containers: `DITTOFS_` and the key's path, each part in upper case, parts joined
            by `_`. A `_` inside a key name stays one (`DITTOFS_SERVER_LOG_LEVEL` is `server.log_level`); the variable
            is matched against the model's keys, so that is never ambiguous. Keys of a store need its name from the file,
            every character but `A-Z` and `0-9` written as `_`: `DITTOFS_CONTENT_STORES_S3_CONTENT_S3_MAX_DIRTY_BYTES`
            is `content.stores.s3-content.s3.max_dirty_bytes` (two stores whose names map to one variable make that
            variable an error). Shares have no variables. A variable that starts like a section
            (`DITTOFS_SERVER_`, `DITTOFS_LOCKS_`, ...) but names no key is an error; other `DITTOFS_*` variables are ignored.

            A store directory (`db_path`, `path`) that does not exist is created at start and logged at INFO
            (`Created directory ... for metadata store 'meta' (it did not exist)`), so a mistyped path is seen in the log.

            ## Keys

            | key | default | valid | flag / environment | what it does |
            |---|---|---|---|---|

            """);
        foreach (var (path, key) in ConfigModel.Keys())
        {
            string valid = key.Shape switch
            {
                ScalarShape scalar => scalar.Rule.Expected + (scalar.Nullable ? ", or null" : ""),
                ListShape { Item: ScalarShape item } => "a list, each " + item.Rule.Expected,
                ListShape => "a list",
                MapShape => "a mapping of names",
                _ => "a mapping of the keys below",
            };
            string? variable = key.Shape is ScalarShape && !path.Contains("[]", StringComparison.Ordinal)
                ? EnvironmentOverrides.VariableOf(path.Split('.')).Replace("_NAME_", "_<NAME>_") : null;
            string overriders = string.Join("<br>", new[] { key.Flag, variable }.Where(s => s is not null).Select(s => $"`{s}`"));
            text.Append($"| `{path}` | {DefaultText(key)} | {valid} | {overriders} | {Escape(key.Description)}{(key.Required ? " **Required.**" : "")} |\n");
        }
        text.Append("""

            ## The annotated default configuration

            What `dittofs config init` writes (the data directory is `--data-dir`, default `/tmp/dittofs`):

            ```yaml

            """);
        text.Append(AnnotatedConfig.Render(DefaultConfig.Create()));
        text.Append("```\n");
        return text.ToString();
    }

    private static string DefaultText(ConfigKey key) => key.Shape switch
    {
        ScalarShape scalar when !key.Required => $"`{scalar.Rule.Format(key.Default)}`",
        ListShape { Item: ScalarShape item } => $"`[{string.Join(", ", ((IEnumerable)key.Default!).Cast<object>().Select(item.Rule.Format))}]`",
        _ => "",
    };

    private static string Escape(string text) => text.Replace("|", "\\|").Replace("<", "&lt;").Replace(">", "&gt;");
}
