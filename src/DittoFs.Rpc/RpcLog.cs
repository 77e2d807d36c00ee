using System.Net;
using Microsoft.Extensions.Logging;

namespace DittoFs.Rpc;

/// <summary>The log messages of the RPC layer (source-generated: nothing is formatted unless the level is on).</summary>
internal static partial class RpcLog
{
    [LoggerMessage(1, LogLevel.Information, "RPC server listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, EndPoint endPoint);

    [LoggerMessage(2, LogLevel.Information, "RPC server on {EndPoint} stopped")]
    public static partial void Stopped(ILogger logger, EndPoint endPoint);

    [LoggerMessage(3, LogLevel.Debug, "Connection from {Client} accepted")]
    public static partial void ConnectionAccepted(ILogger logger, IPEndPoint client);

    [LoggerMessage(4, LogLevel.Information, "Connection from {Client} refused: {MaxConnections} connections are open")]
    public static partial void ConnectionRejected(ILogger logger, IPEndPoint client, int maxConnections);

    [LoggerMessage(5, LogLevel.Debug, "Connection from {Client} closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, IPEndPoint client, RpcConnectionCloseReason reason);

    [LoggerMessage(6, LogLevel.Information, "Connection from {Client} closed: fragment header announces a record over {MaxRecordSize} bytes")]
    public static partial void RecordTooLarge(ILogger logger, IPEndPoint client, int maxRecordSize);

    [LoggerMessage(7, LogLevel.Information, "Connection from {Client} closed: a record of {Length} bytes is not an RPC call")]
    public static partial void NotACall(ILogger logger, IPEndPoint client, int length);

    [LoggerMessage(8, LogLevel.Error, "Program {Program} version {Version} procedure {Procedure} (xid {Xid}) from {Client} failed; answered SYSTEM_ERR")]
    public static partial void ServiceFailed(ILogger logger, Exception exception, uint program, uint version, uint procedure, uint xid, IPEndPoint client);

    [LoggerMessage(9, LogLevel.Debug, "Program {Program} version {Version} procedure {Procedure} (xid {Xid}) from {Client} cancelled; no reply")]
    public static partial void CallDropped(ILogger logger, uint program, uint version, uint procedure, uint xid, IPEndPoint client);

    [LoggerMessage(10, LogLevel.Warning, "Accepting a connection failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(11, LogLevel.Warning, "Stopping: {Count} connection(s) still had calls running after {Timeout}; closed them")]
    public static partial void ForcedClose(ILogger logger, int count, TimeSpan timeout);

    [LoggerMessage(12, LogLevel.Warning, "Reading from {Client} failed unexpectedly; connection closed")]
    public static partial void ReadFailed(ILogger logger, Exception exception, IPEndPoint client);

    [LoggerMessage(13, LogLevel.Error, "The RPC server observer threw; the event is lost")]
    public static partial void ObserverFailed(ILogger logger, Exception exception);
    [LoggerMessage(14, LogLevel.Information, "RPC server listening on {EndPoint} (UDP)")]
    public static partial void ListeningUdp(ILogger logger, EndPoint endPoint);

    [LoggerMessage(15, LogLevel.Warning, "Reply to program {Program} version {Version} procedure {Procedure} (xid {Xid}) for {Client} is {Size} bytes, over the {MaxSize}-byte limit of a UDP reply; answered SYSTEM_ERR instead (the client should use TCP)")]
    public static partial void ReplyTooLarge(ILogger logger, uint program, uint version, uint procedure, uint xid, IPEndPoint client, int size, int maxSize);

    [LoggerMessage(16, LogLevel.Debug, "A datagram of {Length} bytes from {Client} is not an RPC call; dropped")]
    public static partial void DatagramDropped(ILogger logger, IPEndPoint client, int length);

    [LoggerMessage(17, LogLevel.Warning, "Receiving on UDP {EndPoint} failed")]
    public static partial void UdpReceiveFailed(ILogger logger, Exception exception, IPEndPoint endPoint);

    [LoggerMessage(18, LogLevel.Debug, "Sending a UDP reply to {Client} failed; the client will retransmit")]
    public static partial void UdpSendFailed(ILogger logger, Exception exception, IPEndPoint client);

    [LoggerMessage(19, LogLevel.Information, "Connection from {Client} closed: a partly received record got nothing for the record timeout ({Charged} bytes of the record budget freed)")]
    public static partial void RecordTimedOut(ILogger logger, IPEndPoint client, long charged);
}
