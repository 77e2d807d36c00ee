using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using DittoFs.Protocol;
using DittoFs.Vfs.Locks;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging;

namespace DittoFs.Nfs.Nlm;

/// <summary>Bounds of the calls the lock manager makes to clients' lock managers.</summary>
public sealed record NlmCallbackOptions
{
    /// <summary>Tries of one GRANTED callback before the grant is given up (the lock is released so that it does
    /// not stay held by a client that never learnt it has it).</summary>
    public int GrantedAttempts { get; init; } = 5;

    /// <summary>Tries of one *_RES answer to a *_MSG call. One is enough: a client that got no answer sends its
    /// *_MSG again.</summary>
    public int ResultAttempts { get; init; } = 1;

    /// <summary>Wait before the second try; doubled for each later one.</summary>
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a GRANTED_MSG waits for the client's GRANTED_RES before this server stops listening for
    /// it (the grant stands: the client was told). Bounds the entries of clients that never answer.</summary>
    public TimeSpan GrantedResultWait { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The name this server gives as caller_name in its GRANTED calls.</summary>
    public string ServerName { get; init; } = Environment.MachineName;
}

/// <summary>
/// The calls back to clients' lock managers, each on its own task: nothing is sent on a request's thread or while
/// the lock table is locked, and every call is bounded (<see cref="NlmCallbackOptions"/>).
/// <para>
/// GRANTED: a queued request granted by some table call. Sent as NLM_GRANTED in the version the client asked in
/// (GRANTED_MSG when it asked with LOCK_MSG). A client answering anything but granted does not want the lock any
/// more (it cancelled or its process is gone): the grant is unlocked. A client that cannot be reached after
/// <see cref="NlmCallbackOptions.GrantedAttempts"/> tries gets the same: holding a lock nobody knows it has would
/// block every other client until the host reboots. For GRANTED_MSG the answer comes as a separate GRANTED_RES
/// call, matched by the cookie this server put in the GRANTED_MSG (<see cref="OnGrantedResult"/>).
/// </para>
/// <para>
/// A client that has not heard of its grant re-sends its LOCK, and is answered granted (it holds the lock): from then
/// on it knows, as if it had taken the GRANTED. Such a LOCK (made through <see cref="Lock"/>) confirms the grant: no
/// further GRANTED is sent for it, and neither a refusal (a client's lock manager refuses a GRANTED for a lock it is
/// not waiting for) nor giving up releases it, as knfsd forgets a granted block when its LOCK comes again. The
/// confirmation and the release are made under one gate together with their table calls, so a grant is either
/// released before the LOCK is carried out (which then takes the lock afresh, or not) or kept.
/// </para>
/// </summary>
public sealed partial class NlmCallbacks
{
    private readonly INlmPeerDialer _dialer;
    private readonly NlmCallbackOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();

    // GRANTED_MSG sent, waiting for the client's GRANTED_RES: by the cookie this server chose (the waiter id).
    private readonly ConcurrentDictionary<long, LockGrant> _awaitingGrantedResult = new();
    // Grants whose client has not taken them yet, by waiter id, and whether a LOCK of the client confirmed them.
    private readonly Lock _gate = new();
    private readonly Dictionary<long, (LockGrant Grant, bool Confirmed)> _pending = [];
    private long _grantedSent;
    private long _grantsReleased;

    public NlmCallbacks(INlmPeerDialer dialer, NlmCallbackOptions options, ILogger logger, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(dialer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GrantedAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ResultAttempts, 1);
        _dialer = dialer;
        _options = options;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>GRANTED callbacks the client accepted.</summary>
    public long GrantedDelivered => Interlocked.Read(ref _grantedSent);

    /// <summary>Grants released because the client refused them or could not be reached.</summary>
    public long GrantsReleased => Interlocked.Read(ref _grantsReleased);

    /// <summary>Completes when no callback is in flight (tests; shutdown).</summary>
    public async Task WhenIdleAsync()
    {
        while (!_inFlight.IsEmpty)
        {
            await Task.WhenAll(_inFlight.Keys).ConfigureAwait(false);
        }
    }

    /// <summary>Tells the clients of <paramref name="grants"/> that they hold their locks now. Grants of requests
    /// this service did not queue (another protocol's) are not its to tell.</summary>
    public void SendGranted(IReadOnlyList<LockGrant> grants)
    {
        foreach (var grant in grants)
        {
            if (grant.Context is NlmWaiter waiter)
            {
                lock (_gate)
                    _pending[grant.WaiterId] = (grant, false);
                Track(Task.Run(() => SendGrantedAsync(grant, waiter)));
            }
        }
    }

    /// <summary>
    /// A LOCK's table call. When it is granted and it is the very lock (file, owner, range) of a grant its client has
    /// not taken yet, the client knows it holds that lock now: the grant is confirmed (see the class remarks).
    /// </summary>
    public LockResult Lock(ILockTable table, in LockRequest request)
    {
        ArgumentNullException.ThrowIfNull(table);
        lock (_gate)
        {
            var result = table.Lock(request);
            if (result.Status != LockStatus.Granted || _pending.Count == 0)
                return result;
            foreach (var (id, pending) in _pending)
            {
                if (!pending.Confirmed && pending.Grant.File.Equals(request.File) && pending.Grant.Owner.Equals(request.Owner)
                    && SameRange(pending.Grant.Range, request.Range))
                {
                    _pending[id] = (pending.Grant, true);
                    _awaitingGrantedResult.TryRemove(id, out _);
                    LogConfirmed(pending.Grant.File, pending.Grant.Range);
                }
            }
            return result;
        }
    }

    private static bool SameRange(LockRange a, LockRange b) => a.Offset == b.Offset && (a.ToEnd ? 0 : a.Length) == (b.ToEnd ? 0 : b.Length);

    private bool IsConfirmed(long waiterId)
    {
        lock (_gate)
            return _pending.TryGetValue(waiterId, out var pending) && pending.Confirmed;
    }

    /// <summary>The grant's fate is settled (the client took it): nothing more to remember.</summary>
    private void Forget(long waiterId)
    {
        lock (_gate)
            _pending.Remove(waiterId);
    }

    /// <summary>Answers a *_MSG call with the matching *_RES call at the caller's lock manager.</summary>
    public void SendResult<TResult, TCodec>(IPAddress host, uint version, uint procedure, TResult result)
        where TCodec : IXdrCodec<TResult>
    {
        Track(Task.Run(() => SendResultAsync<TResult, TCodec>(host, version, procedure, result)));
    }

    /// <summary>A GRANTED_RES: the client's answer to a GRANTED_MSG. Anything but granted releases the grant.</summary>
    public void OnGrantedResult(ReadOnlySpan<byte> cookie, bool granted)
    {
        if (cookie.Length != sizeof(long) || !_awaitingGrantedResult.TryRemove(BinaryPrimitives.ReadInt64BigEndian(cookie), out var grant))
            return;
        if (granted)
        {
            Interlocked.Increment(ref _grantedSent);
            Forget(grant.WaiterId);
        }
        else
            Release(grant, "refused");
    }

    private void Track(Task task)
    {
        _inFlight.TryAdd(task, 0);
        task.ContinueWith(static (done, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(done, out _), _inFlight, TaskScheduler.Default);
    }

    private async Task SendGrantedAsync(LockGrant grant, NlmWaiter waiter)
    {
        var cookie = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(cookie, grant.WaiterId);
        for (int attempt = 1; attempt <= _options.GrantedAttempts; attempt++)
        {
            if (IsConfirmed(grant.WaiterId))
            {
                Forget(grant.WaiterId);
                return;
            }
            try
            {
                bool? accepted = await CallGrantedAsync(waiter, cookie, grant).ConfigureAwait(false);
                if (accepted is null)
                {
                    // GRANTED_MSG sent: the answer comes as GRANTED_RES, or never (then the grant stands).
                    _ = Task.Delay(_options.GrantedResultWait, _clock)
                        .ContinueWith(_ =>
                        {
                            _awaitingGrantedResult.TryRemove(grant.WaiterId, out var _);
                            Forget(grant.WaiterId);
                        }, TaskScheduler.Default);
                    return;
                }
                if (accepted.Value)
                {
                    Interlocked.Increment(ref _grantedSent);
                    Forget(grant.WaiterId);
                    LogGranted(waiter.CallerName, grant.File, grant.Range);
                }
                else
                {
                    Release(grant, "refused");
                }
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogCallbackFailed("GRANTED", waiter.CallerName, waiter.Host, attempt, e.Message);
                if (attempt < _options.GrantedAttempts)
                    await Task.Delay(Backoff(attempt), _clock).ConfigureAwait(false);
            }
        }
        _awaitingGrantedResult.TryRemove(grant.WaiterId, out _);
        Release(grant, "unreachable");
    }

    /// <summary>True or false: the client's answer to GRANTED; null: GRANTED_MSG was sent.</summary>
    private async Task<bool?> CallGrantedAsync(NlmWaiter waiter, byte[] cookie, LockGrant grant)
    {
        var transport = await _dialer.ConnectAsync(waiter.Host, waiter.Version, CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (waiter.Version == NlmV4Program.Version)
            {
                var client = new NlmV4Client(transport);
                var arguments = new Nlm4Testargs
                {
                    Cookie = cookie,
                    Exclusive = waiter.Exclusive,
                    Alock = new Nlm4Lock
                    {
                        CallerName = System.Text.Encoding.UTF8.GetBytes(_options.ServerName),
                        Fh = waiter.FileHandle,
                        Oh = waiter.OwnerHandle,
                        Svid = waiter.Svid,
                        LOffset = waiter.Offset,
                        LLen = waiter.Length,
                    },
                };
                if (waiter.Asynchronous)
                {
                    _awaitingGrantedResult[grant.WaiterId] = grant;
                    await client.GrantedMsgAsync(arguments).ConfigureAwait(false);
                    return null;
                }
                return (await client.GrantedAsync(arguments).ConfigureAwait(false)).Stat.Stat == Nlm4Stats.Nlm4Granted;
            }
            var legacy = new NlmTestargs
            {
                Cookie = cookie,
                Exclusive = waiter.Exclusive,
                Alock = new NlmLock
                {
                    CallerName = System.Text.Encoding.UTF8.GetBytes(_options.ServerName),
                    Fh = waiter.FileHandle,
                    Oh = waiter.OwnerHandle,
                    Svid = waiter.Svid,
                    LOffset = (uint)waiter.Offset,
                    LLen = (uint)waiter.Length,
                },
            };
            // NLM v1 and v3 share their procedures' numbers and arguments: one call for both, with the version set.
            var program = transport;
            if (waiter.Asynchronous)
            {
                _awaitingGrantedResult[grant.WaiterId] = grant;
                await program.CallAsync<NlmTestargs, NlmTestargs>(NlmV3Program.Program, waiter.Version, (uint)NlmV3Procedure.GrantedMsg, legacy, CancellationToken.None).ConfigureAwait(false);
                return null;
            }
            var reply = await program.CallAsync<NlmTestargs, NlmTestargs>(NlmV3Program.Program, waiter.Version, (uint)NlmV3Procedure.Granted, legacy, CancellationToken.None).ConfigureAwait(false);
            return XdrCodec.Decode<NlmRes, NlmRes>(reply).Stat.Stat == NlmStats.LckGranted;
        }
        finally
        {
            if (transport is IAsyncDisposable disposable)
                await disposable.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task SendResultAsync<TResult, TCodec>(IPAddress host, uint version, uint procedure, TResult result)
        where TCodec : IXdrCodec<TResult>
    {
        for (int attempt = 1; attempt <= _options.ResultAttempts; attempt++)
        {
            try
            {
                var transport = await _dialer.ConnectAsync(host, version, CancellationToken.None).ConfigureAwait(false);
                try
                {
                    await transport.CallAsync<TResult, TCodec>(NlmV4Program.Program, version, procedure, result, CancellationToken.None).ConfigureAwait(false);
                    return;
                }
                finally
                {
                    if (transport is IAsyncDisposable disposable)
                        await disposable.DisposeAsync().ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogCallbackFailed($"procedure {procedure}", "", host, attempt, e.Message);
                if (attempt < _options.ResultAttempts)
                    await Task.Delay(Backoff(attempt), _clock).ConfigureAwait(false);
            }
        }
    }

    private TimeSpan Backoff(int attempt) => _options.FirstBackoff * (1 << Math.Min(attempt - 1, 10));

    /// <summary>Undoes a grant nobody took, and tells whoever that lets in.</summary>
    private void Release(LockGrant grant, string why)
    {
        var waiter = (NlmWaiter)grant.Context!;
        UnlockResult result;
        lock (_gate)
        {
            bool confirmed = _pending.Remove(grant.WaiterId, out var pending) && pending.Confirmed;
            if (confirmed)
            {
                LogKept(waiter.CallerName, grant.File, grant.Range, why);
                return;
            }
            Interlocked.Increment(ref _grantsReleased);
            LogReleased(waiter.CallerName, grant.File, grant.Range, why);
            result = waiter.Table.Unlock(grant.File, grant.Owner, grant.Range);
        }
        SendGranted(result.Woken);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "NLM GRANTED to {Host} for {File} {Range} accepted")]
    private partial void LogGranted(string host, FileLockKey file, LockRange range);

    [LoggerMessage(Level = LogLevel.Information, Message = "NLM {Call} to {Host} at {Address} failed (try {Attempt}): {Reason}")]
    private partial void LogCallbackFailed(string call, string host, IPAddress address, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "NLM grant on {File} {Range} confirmed by the client's LOCK: no more GRANTED for it")]
    private partial void LogConfirmed(FileLockKey file, LockRange range);

    [LoggerMessage(Level = LogLevel.Information, Message = "NLM grant to {Host} on {File} {Range} kept although the client {Why}: its LOCK was answered granted since")]
    private partial void LogKept(string host, FileLockKey file, LockRange range, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "NLM grant to {Host} on {File} {Range} released: client {Why}")]
    private partial void LogReleased(string host, FileLockKey file, LockRange range, string why);
}
