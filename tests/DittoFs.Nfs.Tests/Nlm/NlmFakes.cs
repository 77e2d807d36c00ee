using System.Collections.Concurrent;
using System.Net;
using DittoFs.Nfs.Nlm;
using DittoFs.Nfs.Nsm;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Nfs.Tests.Nlm;

/// <summary>A status monitor that records what the lock manager asks of it and lets a test announce reboots.</summary>
internal sealed class RecordingHostMonitor : IHostMonitor
{
    private readonly HashSet<string> _watched = [];

    public ConcurrentQueue<(string Host, IPAddress Address)> Monitored { get; } = new();

    public ConcurrentQueue<string> Unmonitored { get; } = new();

    /// <summary>When set, MonitorAsync throws (statd down).</summary>
    public bool Fail { get; set; }

    /// <summary>Hosts watched at once; past it MonitorAsync throws InvalidOperationException, as a full NSM list does.</summary>
    public int Capacity { get; set; } = int.MaxValue;

    /// <summary>The hosts watched now.</summary>
    public string[] Watched
    {
        get
        {
            lock (_watched)
                return _watched.Order(StringComparer.Ordinal).ToArray();
        }
    }

    public int State => 3;

    public event Action<HostReboot>? HostRebooted;

    public ValueTask MonitorAsync(string hostName, IPAddress address, CancellationToken cancellationToken = default)
    {
        if (Fail)
            throw new IOException("statd is not answering");
        lock (_watched)
        {
            if (!_watched.Contains(hostName) && _watched.Count >= Capacity)
                throw new InvalidOperationException($"{Capacity} hosts are watched already");
            _watched.Add(hostName);
        }
        Monitored.Enqueue((hostName, address));
        return default;
    }

    public ValueTask UnmonitorAsync(string hostName, CancellationToken cancellationToken = default)
    {
        lock (_watched)
            _watched.Remove(hostName);
        Unmonitored.Enqueue(hostName);
        return default;
    }

    public void Reboot(string hostName, int state) => HostRebooted?.Invoke(new HostReboot(hostName, state));
}

/// <summary>One call the lock manager made to a client's lock manager: where, which procedure, the encoded arguments.</summary>
internal sealed record PeerCall(IPAddress Host, uint Version, uint Procedure, byte[] Arguments)
{
    public T Decode<T>() where T : IXdrCodec<T> => XdrCodec.Decode<T>(Arguments);
}

/// <summary>
/// Stands in for clients' lock managers: records every call and answers GRANTED with <see cref="GrantedAnswer"/>;
/// the first <see cref="FailuresBeforeSuccess"/> calls fail as an unreachable host does.
/// </summary>
internal sealed class RecordingPeerDialer : INlmPeerDialer
{
    private int _failuresLeft;

    public ConcurrentQueue<PeerCall> Calls { get; } = new();

    public Nlm4Stats GrantedAnswer { get; set; } = Nlm4Stats.Nlm4Granted;

    public int FailuresBeforeSuccess { set => _failuresLeft = value; }

    public int Attempts;

    /// <summary>When set, each call first waits for it: a test acts while a callback is under way.</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>Completes when a call waits for <see cref="Hold"/>.</summary>
    public TaskCompletionSource Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask<IXdrCallTransport> ConnectAsync(IPAddress host, uint version, CancellationToken cancellationToken)
    {
        if (Hold is { } hold)
        {
            Holding.TrySetResult();
            await hold.Task.ConfigureAwait(false);
        }
        Interlocked.Increment(ref Attempts);
        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            throw new IOException("host unreachable");
        return new Transport(this, host);
    }

    private sealed class Transport(RecordingPeerDialer owner, IPAddress host) : IXdrCallTransport
    {
        public ValueTask<ReadOnlyMemory<byte>> CallAsync<TArguments, TCodec>(uint program, uint version, uint procedure, TArguments arguments, CancellationToken cancellationToken)
            where TCodec : IXdrCodec<TArguments>
        {
            owner.Calls.Enqueue(new PeerCall(host, version, procedure, XdrCodec.Encode<TArguments, TCodec>(arguments)));
            if (procedure != (uint)NlmV4Procedure.Granted)
                return new(ReadOnlyMemory<byte>.Empty);
            var reply = version == NlmV4Program.Version
                ? XdrCodec.Encode(new Nlm4Res { Cookie = Array.Empty<byte>(), Stat = new Nlm4Stat { Stat = owner.GrantedAnswer } })
                : XdrCodec.Encode(new NlmRes { Cookie = Array.Empty<byte>(), Stat = new NlmStat { Stat = (NlmStats)(int)owner.GrantedAnswer } });
            return new(reply);
        }
    }
}

/// <summary>A clock a test moves by hand.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
