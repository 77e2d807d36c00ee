using DittoFs.Protocol;
using DittoFs.Tools.Nfs.Session;

namespace DittoFs.Tools.Nfs.Transfer;

/// <summary>
/// Reads a whole file with up to <c>depth</c> READ calls in flight (RFC 1813 §3.3.6) and hands the data on in
/// offset order, so the destination may be a pipe. A short reply (fewer bytes, no EOF) has its remainder read
/// before anything later is delivered; the file ends at the first EOF, and a file that grew after GETATTR is
/// read on until the server says EOF.
/// </summary>
internal static class FileReader
{
    public static async Task<long> CopyToAsync(NfsSession session, NfsObject file, Stream destination, int depth, TransferProgress progress, CancellationToken cancellationToken)
    {
        var info = await session.GetFsInfoAsync(cancellationToken).ConfigureAwait(false);
        int chunk = TransferSizes.Read(info);
        ulong limit = file.Attributes.Size;
        ulong next = 0;
        long delivered = 0;
        var inFlight = new Queue<(ulong Offset, uint Count, Task<Read3Res> Reply)>(depth);

        void Issue()
        {
            while (inFlight.Count < depth && next < limit)
            {
                uint count = (uint)Math.Min((ulong)chunk, limit - next);
                inFlight.Enqueue((next, count, ReadAsync(session, file.Handle, next, count, cancellationToken)));
                next += count;
            }
        }

        // Even an empty file gets one READ: its EOF (or data, if it grew) is the answer that counts.
        limit = Math.Max(limit, 1);
        Issue();
        while (inFlight.Count > 0)
        {
            var (offset, count, reply) = inFlight.Dequeue();
            var result = await reply.ConfigureAwait(false);
            NfsException.ThrowIfFailed(result.Status, "READ", file.Path);
            var data = result.Resok.Data;
            bool eof = result.Resok.Eof;
            await Deliver(data).ConfigureAwait(false);
            ulong position = offset + (ulong)data.Length;
            while (!eof && data.Length > 0 && position < offset + count)
            {
                // Short read: fetch the rest of this range before anything after it is delivered.
                var rest = await ReadAsync(session, file.Handle, position, (uint)(offset + count - position), cancellationToken).ConfigureAwait(false);
                NfsException.ThrowIfFailed(rest.Status, "READ", file.Path);
                data = rest.Resok.Data;
                eof = rest.Resok.Eof;
                await Deliver(data).ConfigureAwait(false);
                position += (ulong)data.Length;
            }
            if (eof || data.Length == 0)
                break; // reads queued beyond the end answer EOF or nothing; they are left to finish unobserved
            if (inFlight.Count == 0 && next >= limit)
                limit += (ulong)chunk * (ulong)depth; // no EOF at the size GETATTR gave: the file grew
            Issue();
        }
        foreach (var (_, _, abandoned) in inFlight)
            _ = abandoned.ContinueWith(static task => _ = task.Exception, TaskScheduler.Default);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        return delivered;

        async Task Deliver(ReadOnlyMemory<byte> bytes)
        {
            if (bytes.IsEmpty)
                return;
            await destination.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            delivered += bytes.Length;
            progress.Add(bytes.Length);
        }
    }

    private static Task<Read3Res> ReadAsync(NfsSession session, NfsFh3 handle, ulong offset, uint count, CancellationToken cancellationToken) =>
        session.Nfs.ReadAsync(new Read3Args { File = handle, Offset = offset, Count = count }, cancellationToken).AsTask();
}
