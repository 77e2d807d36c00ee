using DittoFs.Storage;
using Microsoft.Extensions.Logging;

namespace DittoFs.Vfs;

public sealed partial class VirtualFileSystem
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Content {Content} of a removed file could not be deleted ({Status}); a persistent metadata store keeps it listed, and the next start tries again")]
    private partial void LogContentLeak(ContentId content, StoreStatus status);

    [LoggerMessage(Level = LogLevel.Error, Message = "File {FileId}: the content store refused size {Size} ({Status}) and putting the attributes back failed ({RevertStatus}); its recorded size may exceed its content, which then reads as zeros")]
    private partial void LogRevertFailed(ulong fileId, ulong size, StoreStatus status, StoreStatus revertStatus);
}
