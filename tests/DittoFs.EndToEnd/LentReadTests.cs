using DittoFs.Protocol;

namespace DittoFs.EndToEnd;

/// <summary>
/// READs on in-memory stores, where large ones are sent straight from the store's chunks (lent, not copied), read
/// by libnfs: byte for byte what was written, holes and the zeros past the content included, and never a reply torn
/// by a WRITE that lands while it is being sent.
/// </summary>
[TestFixture]
public sealed class LentReadTests
{
    private const int MiB = 1 << 20;
    private ConfiguredServer _server = null!;

    [OneTimeSetUp]
    public void StartServer() => _server = ConfiguredServer.Start(ConfiguredServer.InMemoryShare);

    [OneTimeTearDown]
    public void StopServer() => _server?.Dispose();

    [Test]
    public void A_sparse_file_grown_past_its_content_reads_back_exactly()
    {
        var head = Pattern(5 * MiB + 123, seed: 1);
        var middle = Pattern(MiB, seed: 2);
        using var nfs = LibNfsMount.Connect(_server.Port);
        nfs.Check(nfs.Create("sparse", LibNfsMount.WriteOnly | LibNfsMount.Creat | LibNfsMount.Trunc, 0x1A4, out var fh), "create");
        nfs.Check(nfs.Pwrite(fh, 0, head), "pwrite head");
        nfs.Check(nfs.Pwrite(fh, 20 * MiB, middle), "pwrite middle");
        nfs.Close(fh);
        nfs.Check(nfs.Truncate("sparse", 40 * MiB + 7), "truncate up");

        var read = nfs.ReadFile("sparse");

        var expected = new byte[40 * MiB + 7];
        head.CopyTo(expected, 0);
        middle.CopyTo(expected, 20 * MiB);
        Assert.That(read.Length, Is.EqualTo(expected.Length));
        Assert.That(read.AsSpan().SequenceEqual(expected), "the bytes read differ from those written");
    }

    /// <summary>
    /// One connection rewrites a file, 1 MiB at a time, alternately with two patterns, while another reads it 1 MiB at
    /// a time. A WRITE replaces its MiB under the file's lock, and lent chunks are never changed (a write maps a copy),
    /// so every MiB read must be all one pattern: a mix inside it would be a reply changed while it was sent.
    /// </summary>
    [Test]
    public async Task A_read_racing_with_rewrites_sees_each_MiB_whole()
    {
        const int size = 8 * MiB;
        var patterns = new[] { Pattern(size, seed: 3), Pattern(size, seed: 4) };
        using (var setup = LibNfsMount.Connect(_server.Port))
            setup.WriteFile("raced", patterns[0]);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));

        var writer = Task.Run(() =>
        {
            using var nfs = LibNfsMount.Connect(_server.Port);
            nfs.Check(nfs.Open("raced", LibNfsMount.WriteOnly, out var fh), "open for writing");
            for (int round = 1; !stop.IsCancellationRequested; round++)
            {
                for (int offset = 0; offset < size; offset += MiB)
                    nfs.Check(nfs.Pwrite(fh, (ulong)offset, patterns[round % 2].AsSpan(offset, MiB)), "pwrite");
            }
            nfs.Close(fh);
        });

        int reads = 0;
        using (var nfs = LibNfsMount.Connect(_server.Port))
        {
            nfs.Check(nfs.Open("raced", LibNfsMount.ReadOnly, out var fh), "open for reading");
            var buffer = new byte[MiB];
            while (!stop.IsCancellationRequested)
            {
                int offset = reads++ % 8 * MiB;
                Assert.That(nfs.Pread(fh, (ulong)offset, buffer), Is.EqualTo(MiB), "pread");
                bool whole = patterns.Any(pattern => buffer.AsSpan().SequenceEqual(pattern.AsSpan(offset, MiB)));
                Assert.That(whole, $"read {reads} at {offset}: a mix of the two patterns");
            }
            nfs.Close(fh);
        }
        await writer;
        Assert.That(reads, Is.GreaterThan(10));
    }

    /// <summary>
    /// RFC 8881 §2.10.6.1.3: a retransmitted NFSv4.1 request whose reply the client asked to have cached is answered
    /// with that reply again, byte for byte; for a READ large enough to be lent by the store, with its data, not the
    /// stand-in a reply carries where lent bytes go.
    /// </summary>
    [Test]
    public async Task A_cached_NFSv4_READ_is_replayed_with_its_data()
    {
        var data = Pattern(40 * 1024, seed: 5);
        using (var nfs = LibNfsMount.Connect(_server.Port))
            nfs.WriteFile("cached-read", data);
        await using var client = await Nfs4SessionClient.ConnectAsync(_server.Port, "cached-read", maxCachedReply: 64 * 1024);
        await client.ReclaimCompleteAsync();
        NfsArgop4[] read =
        [
            new NfsArgop4(NfsOpnum4.OpPutrootfh),
            NfsArgop4.FromOplookup(new Lookup4Args { Objname = "export"u8.ToArray() }),
            NfsArgop4.FromOplookup(new Lookup4Args { Objname = "cached-read"u8.ToArray() }),
            NfsArgop4.FromOpread(new Read4Args { Stateid = new Stateid4 { Seqid = 0, Other = new byte[12] }, Offset = 0, Count = (uint)data.Length }),
        ];

        var first = await client.CachedAsync(read);
        var replayed = await client.RetransmitAsync(read);

        Assert.That(DataOf(first).SequenceEqual(data), "the READ's data");
        Assert.That(DataOf(replayed).SequenceEqual(data), "the replayed READ's data");
    }

    private static byte[] DataOf(in Compound4Res reply)
    {
        Assert.That(reply.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        return reply.Resarray.ToArray()[^1].Opread.Resok4.Data.ToArray();
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
