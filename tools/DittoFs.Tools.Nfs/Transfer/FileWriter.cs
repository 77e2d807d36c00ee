using System.Buffers;
using DittoFs.Protocol;
using DittoFs.Tools.Nfs.Session;
using Microsoft.Win32.SafeHandles;

namespace DittoFs.Tools.Nfs.Transfer;

/// <summary>
/// Writes a local file to an NFS file with up to <c>depth</c> UNSTABLE WRITE calls in flight (RFC 1813 §3.3.7),
/// made durable by a COMMIT (§3.3.21) every <see cref="CommitInterval"/> bytes and at the end.
/// <para>
/// Verifier rule: a segment (the bytes since the last successful COMMIT) is durable only if every WRITE reply
/// in it and the COMMIT reply carry the same write verifier. A different verifier means the server restarted
/// and may have dropped unstable data, so the whole segment is written again, re-read from the local file
/// (nothing is kept in memory for it). Segments committed earlier are durable and are not resent.
/// </para>
/// </summary>
internal static class FileWriter
{
    /// <summary>Bytes between COMMITs: bounds what a server restart can make us resend, and the server's dirty data.</summary>
    public const long CommitInterval = 64L * 1024 * 1024;

    /// <summary>Segment resends (after verifier changes) one put allows before it gives up.</summary>
    public const int MaxResends = 5;

    public static async Task<WriteSummary> CopyFromAsync(NfsSession session, NfsFh3 file, string path, SafeFileHandle source, long length, int depth, TransferProgress progress, CancellationToken cancellationToken)
    {
        var info = await session.GetFsInfoAsync(cancellationToken).ConfigureAwait(false);
        int chunk = TransferSizes.Write(info);
        long committed = 0;
        int resends = 0;
        while (committed < length)
        {
            long end = Math.Min(length, committed + CommitInterval);
            var segment = new Segment(session, file, path, source, chunk, committed, end, progress, cancellationToken);
            await segment.WriteAsync(depth).ConfigureAwait(false);
            var commit = await session.Nfs.CommitAsync(new Commit3Args { File = file, Offset = (ulong)committed, Count = (uint)(end - committed) }, cancellationToken).ConfigureAwait(false);
            NfsException.ThrowIfFailed(commit.Status, "COMMIT", path);
            if (segment.Verifier is not { } verifier || verifier != commit.Resok.Verf)
            {
                // The server restarted since (some of) these WRITEs: they may be lost. Resend the segment.
                if (++resends > MaxResends)
                    throw new ProtocolViolationException($"{path}: the write verifier kept changing; gave up after {MaxResends} resends");
                progress.Rewind(end - committed);
                continue;
            }
            committed = end;
        }
        return new WriteSummary(length, resends);
    }

    /// <summary>One run of pipelined WRITEs between two COMMITs, and the verifier its replies agreed on.</summary>
    private sealed class Segment(NfsSession session, NfsFh3 file, string path, SafeFileHandle source, int chunk, long start, long end, TransferProgress progress, CancellationToken cancellationToken)
    {
        private readonly Lock _lock = new();
        private long _next = start;
        private bool _verifierMismatch;
        private Writeverf3? _verifier;

        /// <summary>The verifier every WRITE reply carried, or null if they disagreed.</summary>
        public Writeverf3? Verifier => _verifierMismatch ? null : _verifier;

        /// <summary>Runs <paramref name="depth"/> workers, each taking the next chunk until the segment is written.</summary>
        public Task WriteAsync(int depth) =>
            Task.WhenAll(Enumerable.Range(0, depth).Select(_ => Task.Run(WorkerAsync, cancellationToken)));

        private async Task WorkerAsync()
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(chunk);
            try
            {
                while (true)
                {
                    long offset = Interlocked.Add(ref _next, chunk) - chunk;
                    if (offset >= end)
                        return;
                    int count = (int)Math.Min(chunk, end - offset);
                    await ReadLocalAsync(buffer.AsMemory(0, count), offset).ConfigureAwait(false);
                    await WriteChunkAsync(buffer.AsMemory(0, count), offset).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private async Task ReadLocalAsync(Memory<byte> destination, long offset)
        {
            int filled = 0;
            while (filled < destination.Length)
            {
                int read = await RandomAccess.ReadAsync(source, destination[filled..], offset + filled, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                    throw new IOException($"the local file became shorter while it was sent (at byte {offset + filled})");
                filled += read;
            }
        }

        private async Task WriteChunkAsync(ReadOnlyMemory<byte> data, long offset)
        {
            while (!data.IsEmpty)
            {
                var result = await session.Nfs.WriteAsync(new Write3Args
                {
                    File = file,
                    Offset = (ulong)offset,
                    Count = (uint)data.Length,
                    Stable = StableHow.Unstable,
                    Data = data,
                }, cancellationToken).ConfigureAwait(false);
                NfsException.ThrowIfFailed(result.Status, "WRITE", path);
                uint written = result.Resok.Count;
                if (written == 0 || written > data.Length)
                    throw new ProtocolViolationException($"{path}: WRITE of {data.Length} bytes at {offset} was answered with count {written}");
                NoteVerifier(result.Resok.Verf);
                progress.Add(written);
                // A short write (RFC 1813 §3.3.7 allows it) leaves the rest to send again.
                data = data[(int)written..];
                offset += written;
            }
        }

        private void NoteVerifier(in Writeverf3 verifier)
        {
            lock (_lock)
            {
                if (_verifier is not { } known)
                    _verifier = verifier;
                else if (known != verifier)
                    _verifierMismatch = true;
            }
        }
    }
}

/// <summary>What a put did: the bytes sent and how many segments had to be resent after a verifier change.</summary>
internal readonly record struct WriteSummary(long Bytes, int Resends);
