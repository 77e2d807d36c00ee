namespace DittoFs.Tools.Nfs;

/// <summary>ditto-nfs's exit codes.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>An NFS or MOUNT error (the status name and path are printed), or the server could not be reached.</summary>
    public const int Failure = 1;

    /// <summary>Bad arguments: unknown command or option, missing argument, malformed URL.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted (SIGINT), as shells report 128 + 2.</summary>
    public const int Interrupted = 130;
}
