using System.CommandLine;
using System.Runtime.InteropServices;
using DittoFs.Cli;
using DittoFs.Server;
using DittoFs.Server.Configuration;
using Microsoft.Extensions.Logging;

// dittofs: an NFSv3 server. With no arguments it serves /export from the embedded default configuration.
// Flags override the configuration file; the single-dash spellings of the Go original (-port 2049) work too.
// Exit codes: 0 after a clean stop, 1 when the server could not start (one line on stderr naming what failed and the
// key or flag to change), 2 for a usage or configuration error.

var portOption = CommandLine.IntOption("--port", "a port number (0-65535)", "Port for NFS and MOUNT over TCP, and MOUNT over UDP (default 2049)");
var listenOption = new Option<string?>("--listen") { Description = "Address NFS, MOUNT, NLM, NSM and the portmapper listen on, e.g. 127.0.0.1 or ::1; 0.0.0.0 = every IPv4 address (default: every IPv6 and IPv4 address)" };
var logLevelOption = new Option<string?>("--log-level") { Description = "DEBUG, INFO, WARN or ERROR (default INFO)" };
var contentPathOption = new Option<string?>("--content-path") { Description = "Directory for file content (file-system content store)" };
var dataDirOption = new Option<string?>("--data-dir") { Description = $"Data directory of the embedded default configuration (default {DefaultConfig.DataDirectory})" };
var maxConnectionsOption = CommandLine.IntOption("--max-connections", "a number of connections (0 = unlimited)", "Maximum concurrent connections, 0 = unlimited");
var dumpRestrictedOption = new Option<bool>("--dump-restricted") { Description = "Answer MOUNT DUMP only to clients on localhost" };
var configOption = new Option<FileInfo?>("--config") { Description = "YAML configuration file (default: embedded configuration)" };
var shutdownTimeoutOption = new Option<string?>("--shutdown-timeout") { Description = "How long a graceful stop waits for in-flight calls, e.g. 30s" };
var metricsPortOption = CommandLine.IntOption("--metrics-port", "a port number (0-65535, 0 = no metrics)", "Port of the Prometheus endpoint /metrics (default 9090), 0 = no metrics");
var logFormatOption = new Option<string?>("--log-format") { Description = "text or json (default text)" };
var portmapOption = new Option<string?>("--portmap")
{
    Description = "Portmapper on port 111: true, false or auto (default auto); --portmap alone means true",
    Arity = ArgumentArity.ZeroOrOne,
};

var udpOption = new Option<string?>("--udp")
{
    Description = "MOUNT and the portmapper over UDP too, on the same port: true or false (default true); --udp alone means true",
    Arity = ArgumentArity.ZeroOrOne,
};

var root = new RootCommand("DittoFs: a userspace NFS server (NFSv3 with MOUNT and NLM, NFSv4.0/4.1). Exit codes: 0 stopped cleanly, 1 could not start, 2 usage or configuration error")
{
    portOption, listenOption, logLevelOption, contentPathOption, dataDirOption, maxConnectionsOption, dumpRestrictedOption, configOption, shutdownTimeoutOption,
    metricsPortOption, logFormatOption, portmapOption, udpOption,
};
root.Subcommands.Add(FsckCli.Command);
root.Subcommands.Add(ConfigCli.Command);

root.SetAction(async (parse, _) =>
{
    DittoConfig config;
    var file = parse.GetValue(configOption);
    var contentPath = parse.GetValue(contentPathOption);
    try
    {
        // Later wins: defaults, the file (or the embedded default), DITTOFS_* environment variables, flags.
        var overrides = new ConfigOverrides(EnvironmentOverrides.OfProcess(), new CommandLineOverrides(
            parse.GetValue(portOption),
            parse.GetValue(logLevelOption),
            contentPath,
            parse.GetValue(maxConnectionsOption),
            parse.GetValue(dumpRestrictedOption) ? true : null,
            parse.GetValue(shutdownTimeoutOption),
            parse.GetValue(metricsPortOption),
            parse.GetValue(logFormatOption),
            parse.GetResult(portmapOption) is null ? null : parse.GetValue(portmapOption) ?? "true",
            parse.GetResult(udpOption) is null ? null : parse.GetValue(udpOption) ?? "true",
            parse.GetValue(listenOption)));
        config = file is null
            ? DefaultConfig.Load(parse.GetValue(dataDirOption) ?? DefaultConfig.DataDirectory, overrides)
            : ConfigLoader.LoadFile(file.FullName, StoreRegistry.AvailableTypes, overrides);
    }
    catch (ConfigException e)
    {
        // Every error, one line each.
        Console.Error.WriteLine(e.Message);
        return CommandLine.UsageError;
    }

    using var loggerFactory = Logging.Create(config.Server.LogLevel, config.Server.LogFormat);
    var log = loggerFactory.CreateLogger("dittofs");

    // Stop gracefully on SIGINT / SIGTERM: the handler only signals; the server's own shutdown does the work.
    using var stop = new CancellationTokenSource();
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });

    DittoServer server;
    try
    {
        server = await DittoServer.StartAsync(config, loggerFactory);
    }
    catch (Exception e)
    {
        // The one place a start failure is reported: one line on stderr, whatever the log format.
        return CommandLine.StartFailure(e, configFile: file is not null, contentPathGiven: contentPath is not null, log);
    }
    await using (server)
    {
        // Under systemd (Type=notify): the listeners are up, clients can come.
        SystemdNotify.Send("READY=1", log);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        SystemdNotify.Send("STOPPING=1", log);
        await server.StopAsync();
    }
    return 0;
});

return await CommandLine.RunAsync(root, args);
