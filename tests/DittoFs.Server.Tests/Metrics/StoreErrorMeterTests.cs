using DittoFs.Server.Metrics;
using DittoFs.Storage;

namespace DittoFs.Server.Tests.Metrics;

public sealed class StoreErrorMeterTests
{
    private static readonly ContentId Content = new(7);
    private DittoMetrics _metrics = null!;
    private RecordedMeasurements _recorded = null!;
    private ScriptedContentStore _inner = null!;
    private IContentStore _store = null!;

    [SetUp]
    public void Create()
    {
        _metrics = new DittoMetrics();
        _recorded = new RecordedMeasurements(_metrics.Meter);
        _inner = new ScriptedContentStore();
        _store = MeteredContentStore.Wrap(_inner, new StoreErrorMeter(_metrics, "bulk", "content", "s3"));
    }

    [TearDown]
    public void Dispose()
    {
        _recorded.Dispose();
        _metrics.Dispose();
    }

    [Test]
    public async Task A_back_end_failure_is_counted_with_store_kind_back_end_and_status()
    {
        _inner.Status = StoreStatus.Io;

        Assert.That(await _store.WriteAsync(Content, 0, new byte[4]), Is.EqualTo(StoreStatus.Io), "passed through");

        Assert.That(_recorded.Sum("dittofs.store.errors", "store=bulk", "kind=content", "backend=s3", "status=NFS3ERR_IO"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_failure_of_a_call_that_completes_later_is_counted_too()
    {
        _inner.Status = StoreStatus.Jukebox;
        _inner.Asynchronous = true;

        await _store.FlushAsync(Content);

        Assert.That(_recorded.Sum("dittofs.store.errors", "status=NFS3ERR_JUKEBOX"), Is.EqualTo(1));
    }

    /// <summary>Metering must not hide a store's lending: READs through the metrics would be copied again.</summary>
    [Test]
    public async Task A_lending_store_still_lends_when_metered_and_one_that_does_not_still_does_not()
    {
        var memory = new DittoFs.Storage.Memory.MemoryContentStore();
        await memory.WriteAsync(Content, 0, new byte[] { 1, 2, 3 });

        var metered = MeteredContentStore.Wrap(memory, new StoreErrorMeter(_metrics, "ram", "content", "memory"));

        Assert.That(metered, Is.InstanceOf<IContentLending>());
        var borrower = new Borrower();
        Assert.That((await ((IContentLending)metered).LendAsync(Content, 0, 10, borrower)).Value, Is.EqualTo(3));
        Assert.That(borrower.Bytes, Is.EqualTo(new byte[] { 1, 2, 3 }));
        borrower.Loan?.Dispose();
        Assert.That(_store, Is.Not.InstanceOf<IContentLending>());
    }

    private sealed class Borrower : IContentBorrower
    {
        public List<byte> Bytes { get; } = [];
        public IDisposable? Loan { get; private set; }

        public void Borrow(ReadOnlyMemory<byte> bytes) => Bytes.AddRange(bytes.ToArray());

        public void Hold(IDisposable loan) => Loan = loan;
    }

    [TestCase(StoreStatus.Ok)]
    [TestCase(StoreStatus.NoEnt)]
    [TestCase(StoreStatus.Access)]
    [TestCase(StoreStatus.Stale)]
    [TestCase(StoreStatus.FBig)]
    public async Task Answers_that_are_not_back_end_failures_are_not_counted(StoreStatus status)
    {
        _inner.Status = status;

        await _store.TruncateAsync(Content, 0);

        Assert.That(_recorded.Of("dittofs.store.errors"), Is.Empty);
    }

    [Test]
    public async Task An_exception_is_counted_and_still_thrown()
    {
        _inner.Asynchronous = true;
        _inner.Failure = new IOException("disk gone");

        await Assert.ThrowsAsync<IOException>(async () => await _store.DeleteAsync(Content));

        Assert.That(_recorded.Sum("dittofs.store.errors", "store=bulk", "status=exception"), Is.EqualTo(1));
    }

    [Test]
    public async Task Cancellation_is_not_a_store_error()
    {
        _inner.Asynchronous = true;
        _inner.Failure = new OperationCanceledException();

        await Assert.CatchAsync<OperationCanceledException>(async () => await _store.DeleteAsync(Content));

        Assert.That(_recorded.Of("dittofs.store.errors"), Is.Empty);
    }

    [Test]
    public async Task A_read_result_passes_through_with_its_value()
    {
        var read = await _store.ReadAsync(Content, 0, new byte[10]);

        Assert.That((read.Status, read.Value), Is.EqualTo((StoreStatus.Ok, 10)));
    }

    /// <summary>A content store answering every call with <see cref="Status"/>, at once or after a yield, or failing.</summary>
    private sealed class ScriptedContentStore : IContentStore
    {
        public StoreStatus Status { get; set; } = StoreStatus.Ok;
        public bool Asynchronous { get; set; }
        public Exception? Failure { get; set; }

        private async ValueTask<StoreStatus> AnswerAsync()
        {
            if (Asynchronous)
                await Task.Yield();
            if (Failure is not null)
                throw Failure;
            return Status;
        }

        public async ValueTask<StoreResult<int>> ReadAsync(ContentId content, ulong offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
            await AnswerAsync() is var status && status == StoreStatus.Ok ? destination.Length : status;

        public ValueTask<StoreStatus> WriteAsync(ContentId content, ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => AnswerAsync();
        public ValueTask<StoreStatus> TruncateAsync(ContentId content, ulong size, CancellationToken cancellationToken = default) => AnswerAsync();
        public ValueTask<StoreStatus> DeleteAsync(ContentId content, CancellationToken cancellationToken = default) => AnswerAsync();
        public ValueTask<StoreStatus> FlushAsync(ContentId content, CancellationToken cancellationToken = default) => AnswerAsync();

        public async ValueTask<StoreResult<SpaceStats>> GetStatsAsync(CancellationToken cancellationToken = default) =>
            await AnswerAsync() is var status && status == StoreStatus.Ok ? default(SpaceStats) : status;
    }
}
