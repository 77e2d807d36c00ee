using System.Net;
using DittoFs.Nfs;
using DittoFs.Rpc;
using DittoFs.Server.Configuration;
using DittoFs.Storage;
using Microsoft.Extensions.Logging;

namespace DittoFs.Server;

/// <summary>
/// A configured DittoFs: its stores, shares and the RPC server carrying MOUNT and NFS on one port.
/// Lifecycle: <see cref="StartAsync"/>, then <see cref="StopAsync"/> (graceful: stop accepting, cancel,
/// wait up to the shutdown timeout, force-close), then dispose (closes the stores).
/// </summary>
public sealed class DittoServer : IAsyncDisposable
{
    private readonly StoreRegistry _stores;
    private readonly RpcServer _rpc;
    private readonly ILogger _log;

    private DittoServer(DittoConfig config, StoreRegistry stores, ShareTable shares, RpcServer rpc, ILogger log)
    {
        Config = config;
        _stores = stores;
        Shares = shares;
        _rpc = rpc;
        _log = log;
    }

    public DittoConfig Config { get; }
    public ShareTable Shares { get; }

    /// <summary>Where the server listens (the real port when the configuration asked for port 0).</summary>
    public IPEndPoint LocalEndPoint => _rpc.LocalEndPoint;

    /// <summary>Creates stores and shares from a validated configuration and starts serving.</summary>
    public static async Task<DittoServer> StartAsync(DittoConfig config, ILoggerFactory loggerFactory, IRpcServerObserver? observer = null, CancellationToken cancellationToken = default)
    {
        var log = loggerFactory.CreateLogger("DittoFs.Server");
        var stores = StoreRegistry.Create(config);
        try
        {
            var shares = new ShareTable(await CreateSharesAsync(config, stores, cancellationToken).ConfigureAwait(false));
            var nfsOptions = new NfsServerOptions { DumpRestrictedToLocalhost = config.Server.DumpRestricted };
            var rpcOptions = new RpcServerOptions
            {
                Port = config.Server.Port,
                MaxConnections = config.Server.MaxConnections,
                IdleTimeout = Duration(config.Server.IdleTimeout),
                NonIdempotentProcedures = NfsPrograms.IsNonIdempotent,
            };
            var rpc = new RpcServer(rpcOptions, NfsPrograms.Create(shares, nfsOptions, loggerFactory), loggerFactory.CreateLogger<RpcServer>(), observer);
            await rpc.StartAsync(cancellationToken).ConfigureAwait(false);
            var server = new DittoServer(config, stores, shares, rpc, log);
            server.LogServing();
            return server;
        }
        catch
        {
            await stores.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs until <paramref name="stop"/> is cancelled, then shuts down gracefully.</summary>
    public static async Task RunAsync(DittoConfig config, ILoggerFactory loggerFactory, CancellationToken stop)
    {
        await using var server = await StartAsync(config, loggerFactory).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await server.StopAsync().ConfigureAwait(false);
    }

    public async Task StopAsync()
    {
        var timeout = Duration(Config.Server.ShutdownTimeout);
        _log.LogInformation("Stopping: waiting up to {Timeout} for calls in flight", timeout);
        await _rpc.StopAsync(timeout).ConfigureAwait(false);
        _log.LogInformation("Stopped");
    }

    public async ValueTask DisposeAsync()
    {
        await _rpc.DisposeAsync().ConfigureAwait(false);
        await _stores.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task<List<Share>> CreateSharesAsync(DittoConfig config, StoreRegistry stores, CancellationToken cancellationToken)
    {
        var shares = new List<Share>();
        foreach (var share in config.Shares)
        {
            var options = new ExportOptions
            {
                ReadOnly = share.ReadOnly,
                RootSquash = share.RootSquash,
                AllSquash = share.AllSquash,
                AnonymousUid = share.AnonymousUid,
                AnonymousGid = share.AnonymousGid,
                AllowedClients = share.AllowedClients.Select(c => ConfigLoader.TryParseCidr(c, out var network) ? network : throw new ConfigException("allowed_clients", 0, 0, c)).ToArray(),
                AllowedAuthFlavors = share.AllowedAuth.Select(a => a == "none" ? AuthFlavor.None : AuthFlavor.Sys).Distinct().ToArray(),
                RequireSecurePort = share.RequireSecurePort,
            };
            shares.Add(await Share.CreateAsync(share.Name, stores.MetadataStores[share.MetadataStore], stores.ContentStores[share.ContentStore], options, cancellationToken: cancellationToken).ConfigureAwait(false));
        }
        return shares;
    }

    private static TimeSpan Duration(string text) =>
        ConfigLoader.TryParseDuration(text, out var duration) ? duration : throw new ConfigException("duration", 0, 0, $"'{text}' is not a duration");

    private void LogServing()
    {
        _log.LogInformation("DittoFs listening on {EndPoint} (NFS v3 and MOUNT v3 over TCP)", LocalEndPoint);
        foreach (var share in Config.Shares)
        {
            var metadata = Config.Metadata.Stores[share.MetadataStore];
            var content = Config.Content.Stores[share.ContentStore];
            _log.LogInformation("Serving {Share}: metadata '{MetadataStore}' ({MetadataType}), content '{ContentStore}' ({ContentType}){ReadOnly}",
                share.Name, share.MetadataStore, metadata.Type, share.ContentStore, content.Type, share.ReadOnly ? ", read-only" : "");
        }
    }
}
