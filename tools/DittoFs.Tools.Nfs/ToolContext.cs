using System.CommandLine;
using System.Net.Sockets;
using DittoFs.Rpc;
using DittoFs.Tools.Nfs.Bench;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Urls;
using DittoFs.Xdr;

namespace DittoFs.Tools.Nfs;

/// <summary>
/// What every command needs: the console, the global options, opening a session, and one place that turns
/// exceptions into messages and exit codes (NFS and connection errors 1, usage errors 2).
/// </summary>
internal sealed class ToolContext(ToolConsole console, GlobalOptions globals)
{
    public ToolConsole Console { get; } = console;
    public GlobalOptions Globals { get; } = globals;

    /// <summary>Connects to the URL's server over NFSv3 and, if <paramref name="mount"/>, mounts the export holding its path.</summary>
    public Task<NfsSession> OpenAsync(ParseResult parse, NfsUrl url, bool mount, CancellationToken cancellationToken)
    {
        if (url.Version != NfsVersion.V3)
            throw new UsageException($"{url}: version=4.1 is for bench only; this command speaks NFSv3 (version=3)");
        return NfsSession.ConnectAsync(url, Globals.ToSessionOptions(parse), mount, cancellationToken);
    }

    /// <summary>The action of command <paramref name="name"/>: runs <paramref name="body"/> and maps its failures to exit codes.</summary>
    public Func<ParseResult, CancellationToken, Task<int>> Action(string name, Func<ParseResult, CancellationToken, Task<int>> body) =>
        async (parse, cancellationToken) =>
        {
            try
            {
                return await body(parse, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is NfsUrlException or UsageException)
            {
                return Fail(name, exception.Message, ExitCodes.Usage);
            }
            catch (Exception exception) when (exception is NfsException or Nfs4Exception or MountException or ProtocolViolationException)
            {
                return Fail(name, exception.Message, ExitCodes.Failure);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Fail(name, "interrupted", ExitCodes.Interrupted);
            }
            catch (RpcException exception)
            {
                return Fail(name, $"the server refused a call: {exception.Message}", ExitCodes.Failure);
            }
            catch (XdrDecodeException exception)
            {
                return Fail(name, $"the server sent a reply that does not decode: {exception.Message}", ExitCodes.Failure);
            }
            catch (Exception exception) when (exception is SocketException or TimeoutException)
            {
                return Fail(name, $"cannot reach the server: {exception.Message}", ExitCodes.Failure);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                return Fail(name, exception.Message, ExitCodes.Failure);
            }
        };

    private int Fail(string name, string message, int exitCode)
    {
        Console.Out.Flush();
        Console.Error.WriteLine($"ditto-nfs: {name}: {message}");
        return exitCode;
    }
}
