namespace DittoFs.Storage.FileSystem;

/// <summary>The statuses of failed file system calls: those a client can act on get their own, the rest are Io.</summary>
internal static class IoErrors
{
    private const int FileTooLargeErrno = 27; // EFBIG
    private const int NoSpaceErrno = 28;      // ENOSPC
    private const int QuotaErrno = 122;       // EDQUOT on Linux
    private const int DiskFullHResult = unchecked((int)0x80070070); // ERROR_DISK_FULL, for completeness off Linux

    /// <summary>
    /// The status of an exception a file system call threw, or false for one that is not about the file system
    /// (a bug, which should surface). On Unix .NET puts an IOException's errno in its HResult.
    /// </summary>
    public static bool TryStatusOf(Exception exception, out StoreStatus status)
    {
        status = exception switch
        {
            IOException io => StatusOfErrno(io.HResult),
            // What RandomAccess throws for EFBIG: an offset or length beyond what this file system allows.
            ArgumentOutOfRangeException => StoreStatus.FBig,
            UnauthorizedAccessException => StoreStatus.Io,
            _ => StoreStatus.Ok,
        };
        return status != StoreStatus.Ok;
    }

    public static StoreStatus StatusOfErrno(int errno) => errno switch
    {
        NoSpaceErrno or DiskFullHResult => StoreStatus.NoSpc,
        QuotaErrno => StoreStatus.DQuot,
        FileTooLargeErrno => StoreStatus.FBig,
        _ => StoreStatus.Io,
    };
}
