using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Storage;

namespace DittoFs.Nfs.Tests;

/// <summary>READ (RFC 1813 §3.3.6), WRITE (§3.3.7) and COMMIT (§3.3.21).</summary>
public class ReadWriteTests
{
    [Test]
    public async Task Data_written_reads_back()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.WriteAsync(file, 0, "hello "u8.ToArray());
        await server.WriteAsync(file, 6, "world"u8.ToArray());

        Assert.That(await server.ReadAllAsync(file), Is.EqualTo("hello world"u8.ToArray()));
    }

    [Test]
    public async Task READ_sets_eof_only_when_the_read_reaches_the_end()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.WriteAsync(file, 0, new byte[100]);

        var middle = await server.Nfs.ReadAsync(new Read3Args { File = file, Offset = 0, Count = 50 }, Callers.Root());
        var toEnd = await server.Nfs.ReadAsync(new Read3Args { File = file, Offset = 50, Count = 50 }, Callers.Root());
        var beyond = await server.Nfs.ReadAsync(new Read3Args { File = file, Offset = 90, Count = 50 }, Callers.Root());
        var past = await server.Nfs.ReadAsync(new Read3Args { File = file, Offset = 500, Count = 50 }, Callers.Root());

        Assert.That((middle.Resok.Count.Value, middle.Resok.Eof), Is.EqualTo((50u, false)));
        Assert.That((toEnd.Resok.Count.Value, toEnd.Resok.Eof), Is.EqualTo((50u, true)));
        Assert.That((beyond.Resok.Count.Value, beyond.Resok.Eof, beyond.Resok.Data.Length), Is.EqualTo((10u, true, 10)));
        Assert.That((past.Resok.Count.Value, past.Resok.Eof, past.Resok.Data.Length), Is.EqualTo((0u, true, 0)));
    }

    [Test]
    public async Task A_hole_reads_as_zeros()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.WriteAsync(file, 200_000, "end"u8.ToArray());

        var result = await server.Nfs.ReadAsync(new Read3Args { File = file, Offset = 100_000, Count = 100_003 }, Callers.Root());

        Assert.That(result.Resok.Count.Value, Is.EqualTo(100_003));
        Assert.That(result.Resok.Data.Span[..100_000].ToArray(), Is.All.Zero);
        Assert.That(result.Resok.Data.Span[100_000..].ToArray(), Is.EqualTo("end"u8.ToArray()));
        Assert.That(result.Resok.Eof, Is.True);
    }

    [Test]
    public async Task READ_is_capped_at_rtmax()
    {
        var server = await TestServer.StartAsync(options: new NfsServerOptions { MaxTransferSize = 8192, PreferredTransferSize = 8192 });
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.WriteAsync(file, 0, new byte[20_000]);

        var result = await server.Nfs.ReadAsync(new Read3Args { File = file, Offset = 0, Count = 20_000 }, Callers.Root());

        Assert.That(result.Resok.Count.Value, Is.EqualTo(8192));
        Assert.That(result.Resok.Eof, Is.False);
    }

    [Test]
    public async Task READ_of_a_directory_is_ISDIR()
    {
        var server = await TestServer.StartAsync();

        var result = await server.Nfs.ReadAsync(new Read3Args { File = server.Root, Count = 10 }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errIsdir));
        Assert.That(result.Resfail.FileAttributes.AttributesFollow, Is.True);
    }

    [Test]
    public async Task READ_without_permission_is_ACCES()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "secret", attributes: Sattr.Mode(0x180)); // 0600, root's

        var result = await server.Nfs.ReadAsync(new Read3Args { File = file, Count = 10 }, Callers.User(1000, 100));

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errAcces));
    }

    [Test]
    public async Task An_UNSTABLE_write_is_answered_UNSTABLE_without_a_flush()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");

        var result = await server.WriteAsync(file, 0, new byte[10], StableHow.Unstable);

        Assert.That(result.Committed, Is.EqualTo(StableHow.Unstable));
        Assert.That(result.Count.Value, Is.EqualTo(10));
        Assert.That(server.Content.Flushes, Is.Zero);
        Assert.That(server.MetadataCalls.CountOf(nameof(IMetadataStore.FlushAsync)), Is.Zero);
    }

    [TestCase(StableHow.DataSync)]
    [TestCase(StableHow.FileSync)]
    public async Task A_stable_write_is_flushed_and_answered_FILE_SYNC(StableHow stable)
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");

        var result = await server.WriteAsync(file, 0, new byte[10], stable);

        Assert.That(result.Committed, Is.EqualTo(StableHow.FileSync));
        Assert.That(server.Content.Flushes, Is.EqualTo(1), "the bytes");
        Assert.That(server.MetadataCalls.CountOf(nameof(IMetadataStore.FlushAsync)), Is.EqualTo(1), "the size they made");
    }

    [Test]
    public async Task WRITE_returns_WCC_data_from_before_and_after()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.WriteAsync(file, 0, new byte[10]);

        var result = await server.WriteAsync(file, 10, new byte[5]);

        Assert.That(result.FileWcc.Before.AttributesFollow, Is.True);
        Assert.That(result.FileWcc.Before.Attributes.Size.Value, Is.EqualTo(10));
        Assert.That(result.FileWcc.After.Attributes.Size.Value, Is.EqualTo(15));
    }

    [Test]
    public async Task The_write_verifier_is_the_same_for_every_WRITE_and_COMMIT_of_an_instance()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");

        var first = (await server.WriteAsync(file, 0, new byte[1])).Verf.ToArray();
        var second = (await server.WriteAsync(file, 1, new byte[1], StableHow.FileSync)).Verf.ToArray();
        var commit = await server.Nfs.CommitAsync(new Commit3Args { File = file }, Callers.Root());

        Assert.That(first, Has.Length.EqualTo(8));
        Assert.That(second, Is.EqualTo(first));
        Assert.That(commit.Resok.Verf.ToArray(), Is.EqualTo(first));
        Assert.That(first, Is.EqualTo(server.Nfs.WriteVerifier.Bytes.ToArray()));
    }

    [Test]
    public async Task Server_instances_have_different_write_verifiers()
    {
        var one = await TestServer.StartAsync();
        var two = await TestServer.StartAsync();

        Assert.That(one.Nfs.WriteVerifier.Value, Is.Not.EqualTo(two.Nfs.WriteVerifier.Value));
    }

    [Test]
    public void Write_verifiers_differ_for_instances_started_in_the_same_second()
    {
        var clock = new FixedClock(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        var verifiers = Enumerable.Range(0, 100).Select(_ => WriteVerifier.ForNewInstance(clock).Value).ToArray();

        Assert.That(verifiers, Is.Unique);
        Assert.That(verifiers.Select(v => v >> 32), Is.All.EqualTo(1_700_000_000UL));
    }

    [Test]
    public async Task COMMIT_flushes_and_returns_WCC_data()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.WriteAsync(file, 0, new byte[10]);

        var result = await server.Nfs.CommitAsync(new Commit3Args { File = file, Offset = 0, Count = 0 }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(server.Content.Flushes, Is.EqualTo(1));
        Assert.That(server.MetadataCalls.CountOf(nameof(IMetadataStore.FlushAsync)), Is.EqualTo(1));
        Assert.That(result.Resok.FileWcc.Before.AttributesFollow, Is.True);
        Assert.That(result.Resok.FileWcc.After.Attributes.Size.Value, Is.EqualTo(10));
    }

    [Test]
    public async Task COMMIT_starts_the_metadata_flush_before_the_content_flush_so_the_two_overlap()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.WriteAsync(file, 0, new byte[10]);
        int metadataFlushesDuringContentFlush = -1;
        server.Content.DuringFlush = () => metadataFlushesDuringContentFlush = server.MetadataCalls.CountOf(nameof(IMetadataStore.FlushAsync));

        var result = await server.Nfs.CommitAsync(new Commit3Args { File = file }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(metadataFlushesDuringContentFlush, Is.EqualTo(1));
    }

    [Test]
    public async Task COMMIT_answers_a_failed_content_flush_even_though_the_metadata_flush_succeeded()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.WriteAsync(file, 0, new byte[10]);
        server.Content.FlushStatus = StoreStatus.NoSpc;

        var result = await server.Nfs.CommitAsync(new Commit3Args { File = file }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errNospc));
        Assert.That(server.MetadataCalls.CountOf(nameof(IMetadataStore.FlushAsync)), Is.EqualTo(1));
        Assert.That(result.Resfail.FileWcc.Before.AttributesFollow, Is.True);
    }

    [Test]
    public async Task COMMIT_of_a_directory_is_ISDIR()
    {
        var server = await TestServer.StartAsync();

        var result = await server.Nfs.CommitAsync(new Commit3Args { File = server.Root }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errIsdir));
    }

    [Test]
    public async Task WRITE_to_a_directory_is_ISDIR_with_WCC_data()
    {
        var server = await TestServer.StartAsync();

        var result = await server.Nfs.WriteAsync(new Write3Args { File = server.Root, Count = 1, Data = new byte[1] }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errIsdir));
        Assert.That(result.Resfail.FileWcc.After.AttributesFollow, Is.True);
    }

    [Test]
    public async Task WRITE_whose_count_is_not_the_datas_length_is_INVAL()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");

        var result = await server.Nfs.WriteAsync(new Write3Args { File = file, Count = 5, Data = new byte[3] }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errInval));
        Assert.That((await server.GetattrAsync(file)).Size.Value, Is.Zero);
    }

    [Test]
    public async Task WRITE_of_nothing_succeeds_with_count_zero()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");

        var result = await server.WriteAsync(file, 0, []);

        Assert.That(result.Count.Value, Is.Zero);
    }

    [Test]
    public async Task The_owner_may_write_a_file_whose_mode_denies_it()
    {
        // cp of a read-only file: created 0444, then written by its owner (RFC 1813 §4.4 owner override).
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "readonly", Callers.User(1000, 100), Sattr.Mode(0x124));

        var result = await server.Nfs.WriteAsync(new Write3Args { File = file, Count = 1, Data = new byte[1] }, Callers.User(1000, 100));

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
    }

    [Test]
    public async Task A_file_removed_during_a_WRITE_is_STALE_and_its_new_bytes_are_deleted()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        server.Content.DuringWrite = async () =>
            await server.Nfs.RemoveAsync(new Remove3Args { Object = TestServer.Where(server.Root, "file") }, Callers.Root());

        var result = await server.Nfs.WriteAsync(new Write3Args { File = file, Count = 3, Data = new byte[3] }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errStale));
        Assert.That(server.Content.Deleted, Has.Count.EqualTo(2), "once by REMOVE, once for the bytes written after it");
        Assert.That(server.Content.Deleted[1], Is.EqualTo(server.Content.Deleted[0]));
    }

    [Test]
    public async Task Replies_stay_correct_when_the_RPC_layer_reuses_a_context()
    {
        var server = await TestServer.StartAsync();
        var one = await server.CreateFileAsync(server.Root, "one");
        var two = await server.CreateFileAsync(server.Root, "two");
        await server.WriteAsync(one, 0, "first"u8.ToArray());
        await server.WriteAsync(two, 0, "second"u8.ToArray());
        var context = Callers.Root();

        for (int i = 0; i < 3; i++)
        {
            var readOne = await server.Nfs.ReadAsync(new Read3Args { File = one, Count = 100 }, context);
            Assert.That(readOne.Resok.Data.ToArray(), Is.EqualTo("first"u8.ToArray()));
            var lookup = await server.Nfs.LookupAsync(new Lookup3Args { What = TestServer.Where(server.Root, "two") }, context);
            Assert.That(lookup.Resok.Object.Data.ToArray(), Is.EqualTo(two.Data.ToArray()));
            var readTwo = await server.Nfs.ReadAsync(new Read3Args { File = two, Count = 100 }, context);
            Assert.That(readTwo.Resok.Data.ToArray(), Is.EqualTo("second"u8.ToArray()));
        }
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
