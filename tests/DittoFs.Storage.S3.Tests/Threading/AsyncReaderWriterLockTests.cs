using DittoFs.Storage.S3.Threading;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Threading;

public sealed class AsyncReaderWriterLockTests
{
    [Test]
    public void Readers_share_the_lock()
    {
        var gate = new AsyncReaderWriterLock();

        Assert.That(gate.EnterReadAsync().IsCompleted, Is.True);
        Assert.That(gate.EnterReadAsync().IsCompleted, Is.True);
    }

    [Test]
    public async Task A_writer_waits_for_every_reader_to_leave()
    {
        var gate = new AsyncReaderWriterLock();
        await gate.EnterReadAsync();
        await gate.EnterReadAsync();

        var writer = gate.EnterWriteAsync();
        gate.ExitRead();
        Assert.That(writer.IsCompleted, Is.False);
        gate.ExitRead();

        await writer.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Test]
    public async Task A_waiting_writer_goes_before_new_readers()
    {
        var gate = new AsyncReaderWriterLock();
        await gate.EnterReadAsync();
        var writer = gate.EnterWriteAsync();

        var lateReader = gate.EnterReadAsync();
        Assert.That(lateReader.IsCompleted, Is.False, "a stream of readers cannot starve the writer");
        gate.ExitRead();

        await writer.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(lateReader.IsCompleted, Is.False);
        gate.ExitWrite();
        await lateReader.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Test]
    public async Task Readers_that_waited_go_before_the_next_writer()
    {
        var gate = new AsyncReaderWriterLock();
        await gate.EnterWriteAsync();
        var reader = gate.EnterReadAsync();
        var secondWriter = gate.EnterWriteAsync();

        gate.ExitWrite();

        await reader.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(secondWriter.IsCompleted, Is.False);
        gate.ExitRead();
        await secondWriter.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Test]
    public async Task Writers_exclude_each_other()
    {
        var gate = new AsyncReaderWriterLock();
        await gate.EnterWriteAsync();

        var second = gate.EnterWriteAsync();
        Assert.That(second.IsCompleted, Is.False);
        gate.ExitWrite();

        await second.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
