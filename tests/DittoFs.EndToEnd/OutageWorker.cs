using System.Collections.Concurrent;
using System.Diagnostics;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.EndToEnd;

/// <summary>The outage tests' clock, shared by every worker's call log.</summary>
internal static class Phase
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static TimeSpan Now => Clock.Elapsed;

    public static TimeSpan Mark(List<OutageWorker> workers, string what)
    {
        TestContext.Out.WriteLine($"{what} at {Now.TotalSeconds:F1} s ({workers.Sum(w => w.Calls.Count)} calls so far)");
        return Now;
    }
}

/// <summary>
/// One client connection writing two files of its own (FILE_SYNC WRITEs, UNSTABLE WRITEs followed by COMMIT, READs),
/// logging every call's status and latency and keeping a <see cref="FileModel"/> of what was acknowledged. It also
/// keeps what an NFS client keeps for a server failure: the UNSTABLE writes acknowledged since the last COMMIT, to
/// send again when the write verifier changes (RFC 1813 §3.3.7), which <see cref="MoveToAsync"/> does on another server.
/// </summary>
internal sealed class OutageWorker : IAsyncDisposable
{
    private readonly Random _random;
    private readonly ConcurrentQueue<Call> _calls = new();
    private readonly Dictionary<FileModel, List<(int Offset, byte[] Data)>> _uncommitted = [];
    private NfsSession _session;
    private byte[]? _verifier;

    private OutageWorker(NfsSession session, List<FileModel> files, int seed)
    {
        _session = session;
        Files = files;
        _random = new Random(seed);
        foreach (var file in files)
            _uncommitted[file] = [];
    }

    public readonly record struct Call(TimeSpan At, string Procedure, Nfsstat3 Status, TimeSpan Latency);

    public List<FileModel> Files { get; }
    public IReadOnlyCollection<Call> Calls => _calls;

    /// <summary>The write verifier of the server this worker last heard from.</summary>
    public byte[]? Verifier => _verifier;

    /// <summary>The connection broke under a call (the server died): <see cref="RunAsync"/> stopped.</summary>
    public bool ConnectionLost { get; private set; }

    public static async Task<OutageWorker> StartAsync(int port, NfsSession setup, int index)
    {
        var files = new List<FileModel>();
        for (int i = 0; i < 2; i++)
        {
            var created = await setup.CreateAsync(setup.Root, $"w{index}-{i}");
            Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
            files.Add(new FileModel(created.Resok.ObjAttributes.Attributes.Fileid, NfsSession.Copy(created.Resok.Obj.Handle)));
        }
        return new OutageWorker(await MountAsync(port), files, index);
    }

    // A long RPC timeout: the server, not the client, must bound every call.
    private static Task<NfsSession> MountAsync(int port) => NfsSession.MountAsync(port, TimeSpan.FromMinutes(2));

    public bool SucceededSince(TimeSpan at) => _calls.Any(c => c.At >= at && c.Status == Nfsstat3.Nfs3Ok && c.Procedure is "WRITE FileSync" or "COMMIT");

    /// <summary>Calls until <paramref name="stop"/>, or until the connection breaks (<see cref="ConnectionLost"/>).</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        await Task.Yield();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var file = Files[_random.Next(Files.Count)];
                int roll = _random.Next(10);
                if (roll < 4)
                    await WriteAsync(file, StableHow.FileSync);
                else if (roll < 7)
                    await WriteAsync(file, StableHow.Unstable);
                else if (roll < 9)
                    await CommitAsync(file);
                else
                    await ReadAsync(file);
            }
        }
        catch (IOException)
        {
            // The call in flight may or may not have landed: its range stays in doubt in the file's model.
            ConnectionLost = true;
        }
    }

    public async Task CommitAllAsync()
    {
        foreach (var file in Files)
        {
            for (int attempt = 0; ; attempt++)
            {
                if (await CommitAsync(file) == Nfsstat3.Nfs3Ok)
                    break;
                Assert.That(attempt, Is.LessThan(20), "COMMIT keeps failing after the back end returned");
                await Task.Delay(250);
            }
        }
    }

    /// <summary>
    /// What a client does when its server is gone and the same file system is served on <paramref name="port"/>: it
    /// connects there with the handles it has, COMMITs, and, when the reply's verifier is not the one its UNSTABLE
    /// writes were acknowledged with, sends those writes again and COMMITs once more. Returns the verifiers before
    /// and after the move.
    /// </summary>
    public async Task<(byte[] Before, byte[] After)> MoveToAsync(int port)
    {
        byte[] before = _verifier ?? throw new InvalidOperationException("no WRITE or COMMIT was acknowledged before the move");
        await _session.DisposeAsync();
        _session = await MountAsync(port);
        _verifier = null;
        foreach (var file in Files)
        {
            var committed = await _session.CommitAsync(file.Handle);
            Assert.That(committed.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), $"COMMIT of file {file.FileId} on the new server");
            CheckVerifier(committed.Resok.Verf);
        }
        if (!_verifier!.AsSpan().SequenceEqual(before))
        {
            foreach (var file in Files)
            {
                foreach (var (offset, data) in _uncommitted[file].ToList())
                {
                    file.Sending(offset, data.Length);
                    var written = await _session.WriteAsync(file.Handle, (ulong)offset, data, StableHow.Unstable);
                    Assert.That(written.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), $"resent WRITE of file {file.FileId} at {offset}");
                    CheckVerifier(written.Resok.Verf);
                    file.Acknowledged(offset, data, stable: false);
                }
            }
            await CommitAllAsync();
        }
        return (before, _verifier!);
    }

    private async Task WriteAsync(FileModel file, StableHow stable)
    {
        int offset = _random.Next(256 * 1024);
        var data = new byte[1 + _random.Next(64 * 1024)];
        _random.NextBytes(data);
        file.Sending(offset, data.Length);
        var (result, status) = await TimedAsync($"WRITE {stable}", () => _session.WriteAsync(file.Handle, (ulong)offset, data, stable));
        if (status == Nfsstat3.Nfs3Ok)
        {
            CheckVerifier(result.Resok.Verf);
            bool stableReply = result.Resok.Committed != StableHow.Unstable;
            file.Acknowledged(offset, data, stableReply);
            if (!stableReply)
                _uncommitted[file].Add((offset, data));
        }
    }

    private async Task<Nfsstat3> CommitAsync(FileModel file)
    {
        var (result, status) = await TimedAsync("COMMIT", () => _session.CommitAsync(file.Handle));
        if (status == Nfsstat3.Nfs3Ok)
        {
            CheckVerifier(result.Resok.Verf);
            file.Committed();
            _uncommitted[file].Clear();
        }
        return status;
    }

    private async Task ReadAsync(FileModel file)
    {
        await TimedAsync("READ", () => _session.ReadAsync(file.Handle, (ulong)_random.Next(256 * 1024), 64 * 1024));
    }

    private async Task<(T Result, Nfsstat3 Status)> TimedAsync<T>(string procedure, Func<ValueTask<T>> call)
    {
        var at = Phase.Now;
        var clock = Stopwatch.StartNew();
        var result = await call();
        clock.Stop();
        var status = result switch
        {
            Write3Res write => write.Status,
            Commit3Res commit => commit.Status,
            Read3Res read => read.Status,
            _ => throw new InvalidOperationException(typeof(T).Name),
        };
        _calls.Enqueue(new Call(at, procedure, status, clock.Elapsed));
        return (result, status);
    }

    private void CheckVerifier(in InlineOpaque<InlineBytes8> verifier)
    {
        _verifier ??= verifier.ToArray();
        Assert.That(verifier.ToArray(), Is.EqualTo(_verifier), "one write verifier for the server instance, outage or not");
    }

    /// <summary>Reads every worker's files through <paramref name="session"/> and checks them against their models.</summary>
    public static async Task VerifyAsync(List<OutageWorker> workers, NfsSession session)
    {
        var violations = new List<string>();
        foreach (var file in workers.SelectMany(w => w.Files))
            violations.AddRange(file.Violations(await session.ReadAllAsync(file.Handle)));
        Assert.That(violations, Is.Empty);
    }

    public ValueTask DisposeAsync() => _session.DisposeAsync();
}
