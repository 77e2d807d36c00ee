using System.Buffers.Binary;
using System.Diagnostics;
using DittoFs.Protocol;

namespace DittoFs.EndToEnd;

/// <summary>
/// SIGTERM against the real executable: calls that are running finish within the shutdown timeout and what they
/// acknowledged is on disk after a restart; a client that stops reading its replies is force-closed when the
/// timeout expires; a client stalled half-way through a record does not hold the shutdown up. Every time the
/// process exits 0.
/// </summary>
[TestFixture]
public sealed class ShutdownTests
{
    private const int Mebibyte = 1024 * 1024;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);
    private string _data = null!;
    private DittoFsProcess? _server;

    [SetUp]
    public void CreateDataDirectory() => _data = Directory.CreateTempSubdirectory("dittofs-shutdown-").FullName;

    [TearDown]
    public void Cleanup()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed && _server is not null)
            TestContext.Out.WriteLine("dittofs output:\n" + _server.Output);
        _server?.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    private static byte[] Chunk(int index)
    {
        var data = new byte[Mebibyte];
        new Random(index).NextBytes(data);
        return data;
    }

    /// <summary>SIGTERM from another thread; returns the exit code and how long the exit took.</summary>
    private static Task<(int ExitCode, TimeSpan Took)> TerminateAsync(DittoFsProcess server, TimeSpan limit) => Task.Run(() =>
    {
        var clock = Stopwatch.StartNew();
        int code = server.Terminate(limit);
        return (code, clock.Elapsed);
    });

    [Test]
    public async Task Writes_in_flight_at_SIGTERM_finish_and_what_was_acknowledged_survives_a_restart()
    {
        const int Writes = 48;
        var shutdownTimeout = TimeSpan.FromSeconds(20);
        _server = DittoFsProcess.Start("--data-dir", _data, "--shutdown-timeout", "20s");
        NfsFh3 file;
        var acknowledged = new List<int>();
        await using (var session = await NfsSession.MountAsync(_server.Port, CallTimeout))
        {
            var created = await session.CreateAsync(session.Root, "inflight.bin");
            Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
            file = NfsSession.Copy(created.Resok.Obj.Handle);

            // 48 MiB of FILE_SYNC writes pipelined on one connection; SIGTERM as soon as the first is acknowledged,
            // while the rest are being received and run.
            var writes = Enumerable.Range(0, Writes)
                .Select(i => session.WriteAsync(file, (ulong)i * Mebibyte, Chunk(i), StableHow.FileSync).AsTask())
                .ToArray();
            await Task.WhenAny(writes);
            var exit = TerminateAsync(_server, shutdownTimeout + TimeSpan.FromSeconds(10));

            for (int i = 0; i < Writes; i++)
            {
                try
                {
                    var reply = await writes[i];
                    Assert.That((reply.Status, reply.Resok.Count.Value, reply.Resok.Committed), Is.EqualTo((Nfsstat3.Nfs3Ok, (uint)Mebibyte, StableHow.FileSync)), $"write {i}");
                    acknowledged.Add(i);
                }
                catch (IOException)
                {
                    // Not received before the server stopped reading: never acknowledged, the client would resend it.
                }
            }
            var (code, took) = await exit;
            TestContext.Out.WriteLine($"{acknowledged.Count} of {Writes} writes acknowledged; exit {took.TotalMilliseconds:F0} ms after SIGTERM");
            Assert.That(code, Is.EqualTo(0));
            Assert.That(took, Is.LessThan(shutdownTimeout), "the running writes finished before the shutdown timeout");
        }
        Assert.That(acknowledged, Is.Not.Empty);
        Assert.That(_server.Output, Does.Not.Contain("still had calls running"), "nothing was force-closed");
        _server.Dispose();

        _server = DittoFsProcess.Start("--data-dir", _data);
        await using var after = await NfsSession.MountAsync(_server.Port, CallTimeout);
        foreach (int i in acknowledged)
        {
            var read = await after.ReadAsync(file, (ulong)i * Mebibyte, Mebibyte);
            Assert.That(read.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), $"chunk {i}");
            Assert.That(read.Resok.Data.ToArray(), Is.EqualTo(Chunk(i)), $"acknowledged chunk {i} read back after the restart");
        }
    }

    [Test]
    public async Task A_client_that_stops_reading_its_replies_is_force_closed_when_the_shutdown_timeout_expires()
    {
        var shutdownTimeout = TimeSpan.FromSeconds(2);
        _server = DittoFsProcess.Start("--data-dir", _data, "--shutdown-timeout", "2s");
        using (var nfs = LibNfsMount.Connect(_server.Port))
            nfs.WriteFile("/big.bin", new byte[Mebibyte]);
        NfsFh3 file;
        await using (var session = await NfsSession.MountAsync(_server.Port, CallTimeout))
            file = NfsSession.Copy((await session.LookupAsync(session.Root, "big.bin")).Resok.Object);

        // 64 READs of 1 MiB and never a byte read back: the replies fill both sockets' buffers, the server's sends
        // block, and the calls stay in flight.
        using var stuck = new RawRpc(_server.Port);
        for (uint xid = 1; xid <= 64; xid++)
            stuck.SendRecord(RawRpc.Call(xid, 100003, 3, 6, credFlavor: 1, credBody: RawRpc.AuthSys(0, 0), arguments: ReadArguments(file, Mebibyte)));
        await Task.Delay(TimeSpan.FromSeconds(1));

        var (code, took) = await TerminateAsync(_server, TimeSpan.FromSeconds(30));

        Assert.That(code, Is.EqualTo(0));
        Assert.That(took, Is.GreaterThanOrEqualTo(shutdownTimeout - TimeSpan.FromMilliseconds(200)), "it waited for the stuck calls");
        Assert.That(took, Is.LessThan(shutdownTimeout + TimeSpan.FromSeconds(8)), "and then stopped promptly");
        Assert.That(_server.Output, Does.Contain("1 connection(s) still had calls running after"));
    }

    [Test]
    public async Task A_client_stalled_half_way_through_a_record_does_not_hold_up_the_shutdown()
    {
        _server = DittoFsProcess.Start("--data-dir", _data, "--shutdown-timeout", "30s");
        using var stalled = new RawRpc(_server.Port);
        var half = new byte[4 + 100];
        BinaryPrimitives.WriteUInt32BigEndian(half, 0x8000_0000u | 4000); // announces 4000 bytes, sends 100
        stalled.SendRaw(half);
        await Task.Delay(TimeSpan.FromMilliseconds(300));

        var (code, took) = await TerminateAsync(_server, TimeSpan.FromSeconds(40));

        Assert.That(code, Is.EqualTo(0));
        Assert.That(took, Is.LessThan(TimeSpan.FromSeconds(10)), "no call was running, so nothing to wait for");
        Assert.That(stalled.IsClosedByServer(), Is.True);
    }

    /// <summary>READ3args (RFC 1813 §3.3.6): the handle, offset 0, count.</summary>
    private static byte[] ReadArguments(NfsFh3 file, int count)
    {
        var handle = file.Data.Span;
        var arguments = new byte[4 + handle.Length + 8 + 4];
        BinaryPrimitives.WriteUInt32BigEndian(arguments, (uint)handle.Length);
        handle.CopyTo(arguments.AsSpan(4));
        BinaryPrimitives.WriteUInt32BigEndian(arguments.AsSpan(4 + handle.Length + 8), (uint)count);
        return arguments;
    }
}
