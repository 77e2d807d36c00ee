using System.CommandLine;
using DittoFs.Tools.Nfs.Commands;

namespace DittoFs.Tools.Nfs;

/// <summary>The ditto-nfs command tree and its entry point; usage errors exit with 2, before anything is sent.</summary>
internal static class NfsTool
{
    public const string UrlForm = "nfs://host[:port]/export/path[?nfsport=P&mountport=P&uid=U&gid=G]";

    public static RootCommand Build(ToolContext tool)
    {
        var root = new RootCommand($"ditto-nfs: an NFSv3 client. URLs as libnfs takes them: {UrlForm}");
        tool.Globals.AddTo(root);
        root.Subcommands.Add(LsCommand.Create(tool));
        root.Subcommands.Add(StatCommand.Create(tool));
        root.Subcommands.Add(CatCommand.Create(tool));
        root.Subcommands.Add(GetCommand.Create(tool));
        root.Subcommands.Add(PutCommand.Create(tool));
        root.Subcommands.Add(MkdirCommand.Create(tool));
        root.Subcommands.Add(RmCommand.Create(tool));
        root.Subcommands.Add(RmdirCommand.Create(tool));
        root.Subcommands.Add(MvCommand.Create(tool));
        root.Subcommands.Add(LnCommand.Create(tool));
        root.Subcommands.Add(DfCommand.Create(tool));
        root.Subcommands.Add(ExportsCommand.Create(tool));
        root.Subcommands.Add(BenchCommand.Create(tool));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, ToolConsole console, CancellationToken cancellationToken = default)
    {
        var tool = new ToolContext(console, new GlobalOptions());
        var parse = Build(tool).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                console.Error.WriteLine($"ditto-nfs: {error.Message}");
            console.Error.WriteLine("Try 'ditto-nfs --help' (or 'ditto-nfs COMMAND --help').");
            return ExitCodes.Usage;
        }
        var invocation = new InvocationConfiguration { Output = console.Out, Error = console.Error };
        int exitCode = await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        return exitCode;
    }
}
