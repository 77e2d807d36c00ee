using System.CommandLine;
using DittoFs.Tools.Nfs.Commands;
using DittoFs.Tools.Nfs.Session;

namespace DittoFs.Tools.Nfs;

/// <summary>Options every command takes (before or after the command name).</summary>
internal sealed class GlobalOptions
{
    public Option<bool> PrivilegedPort { get; } = new("--resvport")
    {
        Description = "Connect from a privileged source port (below 1024), for servers exporting with 'secure'; needs root",
        Recursive = true,
    };

    public Option<int> PortmapperPort { get; } = new("--portmapper-port")
    {
        Description = "Port of the portmapper asked for the NFS and MOUNT ports when the URL names none",
        DefaultValueFactory = _ => 111,
        Recursive = true,
    };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds one call may wait for its reply",
        DefaultValueFactory = _ => 60,
        Recursive = true,
    };

    public GlobalOptions()
    {
        PortmapperPort.Within(1, 65535);
        Timeout.Within(0.001, 86400);
    }

    public void AddTo(Command command)
    {
        command.Options.Add(PrivilegedPort);
        command.Options.Add(PortmapperPort);
        command.Options.Add(Timeout);
    }

    public SessionOptions ToSessionOptions(ParseResult parse) => new()
    {
        PrivilegedPort = parse.GetValue(PrivilegedPort),
        PortmapperPort = parse.GetValue(PortmapperPort),
        CallTimeout = TimeSpan.FromSeconds(parse.GetValue(Timeout)),
    };
}
