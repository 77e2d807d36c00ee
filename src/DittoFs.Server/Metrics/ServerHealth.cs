namespace DittoFs.Server.Metrics;

/// <summary>The server's state as <c>/healthz</c> reports it.</summary>
internal enum ServerHealth
{
    /// <summary>Opening stores, binding ports: not serving yet (503).</summary>
    Starting,
    /// <summary>Listening and answering calls (200).</summary>
    Serving,
    /// <summary>A graceful stop has begun: no new clients should be sent here (503).</summary>
    Stopping,
}
