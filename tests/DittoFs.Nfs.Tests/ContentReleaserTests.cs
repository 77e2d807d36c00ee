using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Storage;
using DittoFs.Storage.Memory;
using DittoFs.Vfs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using NUnit.Framework;

namespace DittoFs.Nfs.Tests;

/// <summary>
/// Background deletion of released content (<see cref="ContentReleaser"/>), alone and behind REMOVE and WRITE, and
/// the metadata store told of each deletion that succeeded (so it stops listing the content as released).
/// </summary>
[TestFixture]
public sealed class ContentReleaserTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static ContentId Content(ulong id) => new(new UInt128(7, id));

    private static (IMetadataStore Store, CountingMetadataStore Calls) Metadata() => CountingMetadataStore.Wrap(new MemoryMetadataStore());

    /// <summary>Holds every deletion in DuringDelete until <see cref="Open"/>; <see cref="Entered"/> completes when the first one waits.</summary>
    private sealed class DeletionGate
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public DeletionGate(RecordingContentStore store) => store.DuringDelete = async () =>
        {
            _entered.TrySetResult();
            await _open.Task;
        };

        public Task Entered => _entered.Task;

        public void Open() => _open.SetResult();
    }

    [Test]
    public async Task Every_queued_deletion_runs_in_order_by_the_time_it_is_disposed()
    {
        var store = new RecordingContentStore();
        var (metadata, calls) = Metadata();
        var releaser = new ContentReleaser(new FakeLogger());

        for (ulong i = 1; i <= 100; i++)
        {
            await releaser.ReleaseAsync(metadata, store, Content(i));
        }
        await releaser.DisposeAsync();

        var all = Enumerable.Range(1, 100).Select(i => Content((ulong)i));
        Assert.That(store.Deleted, Is.EqualTo(all));
        Assert.That(calls.DeletedContent, Is.EqualTo(all), "the metadata store is told of every deletion");
    }

    [Test]
    public async Task A_failed_or_throwing_deletion_is_logged_and_those_behind_it_still_run()
    {
        var failing = new RecordingContentStore { DeleteStatus = StoreStatus.Io };
        var throwing = new RecordingContentStore { DuringDelete = () => throw new InvalidOperationException("broken back end") };
        var working = new RecordingContentStore();
        var logger = new FakeLogger();
        var (metadata, calls) = Metadata();
        var releaser = new ContentReleaser(logger);

        await releaser.ReleaseAsync(metadata, failing, Content(1));
        await releaser.ReleaseAsync(metadata, throwing, Content(2));
        await releaser.ReleaseAsync(metadata, working, Content(3));
        await releaser.DisposeAsync();

        Assert.That(working.Deleted, Is.EqualTo(new[] { Content(3) }));
        Assert.That(calls.DeletedContent, Is.EqualTo(new[] { Content(3) }), "content not deleted stays listed as released, for the next start");
        var logged = logger.Collector.GetSnapshot();
        Assert.That(logged.Select(r => r.Level), Is.EqualTo(new[] { LogLevel.Warning, LogLevel.Error }));
        Assert.That(logged[0].Message, Does.Contain(Content(1).ToString()).And.Contain("Io"));
        Assert.That(logged[1].Exception, Is.InstanceOf<InvalidOperationException>());
    }

    [Test]
    public async Task Releasing_waits_for_room_when_the_queue_is_full()
    {
        var store = new RecordingContentStore();
        var gate = new DeletionGate(store);
        var (metadata, _) = Metadata();
        var releaser = new ContentReleaser(new FakeLogger(), capacity: 1);

        await releaser.ReleaseAsync(metadata, store, Content(1));
        await gate.Entered.WaitAsync(Patience); // the worker holds 1; the queue is empty again
        await releaser.ReleaseAsync(metadata, store, Content(2)); // fills the queue
        var third = releaser.ReleaseAsync(metadata, store, Content(3)).AsTask();
        await Task.Delay(50);
        Assert.That(third.IsCompleted, Is.False, "no room until the worker moves on");

        gate.Open();
        await third.WaitAsync(Patience);
        await releaser.DisposeAsync();
        Assert.That(store.Deleted, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task Content_of_unknown_store_is_deleted_from_each_and_said_deleted_only_when_every_store_deleted_it()
    {
        var first = new RecordingContentStore();
        var second = new RecordingContentStore();
        var failing = new RecordingContentStore { DeleteStatus = StoreStatus.Io };
        var (metadata, calls) = Metadata();
        var releaser = new ContentReleaser(new FakeLogger());

        await releaser.ReleaseAsync(metadata, [first, second], Content(1));
        await releaser.ReleaseAsync(metadata, [first, failing, second], Content(2));
        await releaser.DisposeAsync();

        Assert.That(first.Deleted, Is.EqualTo(new[] { Content(1), Content(2) }));
        Assert.That(second.Deleted, Is.EqualTo(new[] { Content(1), Content(2) }), "a failure does not stop the stores after it");
        Assert.That(calls.DeletedContent, Is.EqualTo(new[] { Content(1) }));
    }

    [Test]
    public async Task REMOVE_answers_before_the_content_is_deleted_and_the_deletion_follows()
    {
        await using var releaser = new ContentReleaser(new FakeLogger());
        var server = await TestServer.StartAsync(releaser: releaser);
        var gate = new DeletionGate(server.Content);
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.WriteAsync(file, 0, new byte[10]);

        var result = await server.Nfs.RemoveAsync(new Remove3Args { Object = TestServer.Where(server.Root, "file") }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(server.Content.Deleted, Is.Empty, "the reply did not wait for the deletion");
        var deleted = releaser.DeletedSoFarAsync();
        gate.Open();
        await deleted.WaitAsync(Patience);
        Assert.That(server.Content.Deleted, Has.Count.EqualTo(1));
        Assert.That(server.MetadataCalls.DeletedContent, Is.EqualTo(server.Content.Deleted), "then the metadata store is told");
    }

    [TestCase(StoreStatus.Ok, TestName = "Without a releaser REMOVE deletes the content and tells the metadata store before answering")]
    [TestCase(StoreStatus.Io, TestName = "Without a releaser a failed deletion leaves the content listed as released")]
    public async Task Without_a_releaser(StoreStatus deletion)
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.WriteAsync(file, 0, new byte[10]);
        server.Content.DeleteStatus = deletion;

        var result = await server.Nfs.RemoveAsync(new Remove3Args { Object = TestServer.Where(server.Root, "file") }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(server.MetadataCalls.DeletedContent, Has.Count.EqualTo(deletion == StoreStatus.Ok ? 1 : 0));
    }

    [Test]
    public async Task A_WRITE_that_finds_no_space_waits_for_queued_deletions_and_tries_again()
    {
        const int Chunk = 64 * 1024;
        await using var releaser = new ContentReleaser(new FakeLogger());
        var server = await TestServer.StartAsync(releaser: releaser, contentCapacity: Chunk);
        var gate = new DeletionGate(server.Content);
        var full = await server.CreateFileAsync(server.Root, "full");
        await server.WriteAsync(full, 0, new byte[Chunk]);
        await server.Nfs.RemoveAsync(new Remove3Args { Object = TestServer.Where(server.Root, "full") }, Callers.Root());
        var next = await server.CreateFileAsync(server.Root, "next");

        // The room is still held by the queued deletion; it goes once the gate opens, while the WRITE waits.
        var opening = Task.Run(async () =>
        {
            await Task.Delay(100);
            gate.Open();
        });
        var result = await server.Nfs.WriteAsync(new Write3Args { File = next, Count = Chunk, Data = new byte[Chunk] }, Callers.Root());
        await opening;

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(server.Content.Deleted, Has.Count.EqualTo(1));
    }
}
