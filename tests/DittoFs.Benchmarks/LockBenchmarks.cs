using System.Net;
using BenchmarkDotNet.Attributes;
using DittoFs.Nfs;
using DittoFs.Nfs.Nlm;
using DittoFs.Nfs.Nsm;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage.Memory;
using DittoFs.Vfs;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Benchmarks;

/// <summary>
/// The lock manager's own cost, without the network: NLM v4 LOCK + UNLOCK of an uncontended range (the common
/// case: a process locking a record of a file nobody else locks), a LOCK denied by another owner's lock, and a
/// TEST naming the holder, on one share over in-memory stores. A lock throughput figure is the inverse of the
/// LOCK + UNLOCK time.
/// </summary>
[MemoryDiagnoser]
public class LockBenchmarks
{
    private NlmService _nlm = null!;
    private RpcCallContext _context = null!;
    private Nlm4Lockargs _lock;
    private Nlm4Unlockargs _unlock;
    private Nlm4Lockargs _denied;
    private Nlm4Testargs _test;

    [GlobalSetup]
    public void Setup()
    {
        var fileSystem = VirtualFileSystem.OpenAsync("/export", new MemoryMetadataStore(), new MemoryContentStore()).AsTask().GetAwaiter().GetResult();
        var share = new Share("/export", fileSystem, new ExportOptions());
        byte[] handle = share.RootHandle.ToArray();
        _nlm = new NlmService(new ShareTable(share), new NothingMonitored(),
            new NlmCallbacks(new NoPeers(), new NlmCallbackOptions(), NullLogger.Instance), NullLogger<NlmService>.Instance);
        _context = new RpcCallContext { Client = new IPEndPoint(IPAddress.Loopback, 700), AuthFlavor = 1, Version = 4 };
        Nlm4Lock Range(string caller, ulong offset) => new() { CallerName = System.Text.Encoding.UTF8.GetBytes(caller), Fh = handle, Oh = new byte[8], Svid = 1, LOffset = offset, LLen = 100 };
        _lock = new Nlm4Lockargs { Cookie = new byte[8], Exclusive = true, Alock = Range("bench", 0) };
        _unlock = new Nlm4Unlockargs { Cookie = new byte[8], Alock = Range("bench", 0) };
        _nlm.LockAsync(new Nlm4Lockargs { Cookie = new byte[8], Exclusive = true, Alock = Range("holder", 1_000_000) }, _context).AsTask().GetAwaiter().GetResult();
        _denied = new Nlm4Lockargs { Cookie = new byte[8], Exclusive = true, Alock = Range("bench", 1_000_050) };
        _test = new Nlm4Testargs { Cookie = new byte[8], Exclusive = true, Alock = Range("bench", 1_000_050) };
    }

    [Benchmark]
    public async Task<Nlm4Stats> LockAndUnlock()
    {
        await _nlm.LockAsync(_lock, _context);
        return (await _nlm.UnlockAsync(_unlock, _context)).Stat.Stat;
    }

    [Benchmark]
    public async Task<Nlm4Stats> LockDenied() => (await _nlm.LockAsync(_denied, _context)).Stat.Stat;

    [Benchmark]
    public async Task<Nlm4Stats> TestNamesHolder() => (await _nlm.TestAsync(_test, _context)).Stat.Stat;

    private sealed class NothingMonitored : IHostMonitor
    {
        public int State => 1;
        public event Action<HostReboot>? HostRebooted { add { } remove { } }
        public ValueTask MonitorAsync(string hostName, IPAddress address, CancellationToken cancellationToken = default) => default;
        public ValueTask UnmonitorAsync(string hostName, CancellationToken cancellationToken = default) => default;
    }

    private sealed class NoPeers : INlmPeerDialer
    {
        public ValueTask<IXdrCallTransport> ConnectAsync(IPAddress host, uint version, CancellationToken cancellationToken) =>
            throw new IOException("no callbacks in a benchmark");
    }
}
