using DittoFs.Tools.Nfs;

// ditto-nfs: an NFSv3 command-line client built on the generated client stubs. See NfsTool for the commands.
return await NfsTool.RunAsync(args, ToolConsole.System());
