using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using NUnit.Framework;

namespace DittoFs.Nfs.Tests;

/// <summary>Background deletion of released content (<see cref="ContentReleaser"/>), alone and behind REMOVE and WRITE.</summary>
[TestFixture]
public sealed class ContentReleaserTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static ContentId Content(ulong id) => new(new UInt128(7, id));

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
        var releaser = new ContentReleaser(new FakeLogger());

        for (ulong i = 1; i <= 100; i++)
        {
            await releaser.ReleaseAsync(store, Content(i));
        }
        await releaser.DisposeAsync();

        Assert.That(store.Deleted, Is.EqualTo(Enumerable.Range(1, 100).Select(i => Content((ulong)i))));
    }

    [Test]
    public async Task A_failed_or_throwing_deletion_is_logged_and_those_behind_it_still_run()
    {
        var failing = new RecordingContentStore { DeleteStatus = StoreStatus.Io };
        var throwing = new RecordingContentStore { DuringDelete = () => throw new InvalidOperationException("broken back end") };
        var working = new RecordingContentStore();
        var logger = new FakeLogger();
        var releaser = new ContentReleaser(logger);

        await releaser.ReleaseAsync(failing, Content(1));
        await releaser.ReleaseAsync(throwing, Content(2));
        await releaser.ReleaseAsync(working, Content(3));
        await releaser.DisposeAsync();

        Assert.That(working.Deleted, Is.EqualTo(new[] { Content(3) }));
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
        var releaser = new ContentReleaser(new FakeLogger(), capacity: 1);

        await releaser.ReleaseAsync(store, Content(1));
        await gate.Entered.WaitAsync(Patience); // the worker holds 1; the queue is empty again
        await releaser.ReleaseAsync(store, Content(2)); // fills the queue
        var third = releaser.ReleaseAsync(store, Content(3)).AsTask();
        await Task.Delay(50);
        Assert.That(third.IsCompleted, Is.False, "no room until the worker moves on");

        gate.Open();
        await third.WaitAsync(Patience);
        await releaser.DisposeAsync();
        Assert.That(store.Deleted, Has.Count.EqualTo(3));
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
