using DittoFs.Protocol;
using DittoFs.Storage.S3.Tests.Infrastructure;

namespace DittoFs.EndToEnd;

/// <summary>
/// The S3 store's block cache through the real executable: configured by its keys, counted by its metrics (and the
/// store's requests), and its disk part serving a file after a restart without fetching the blocks again.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class S3CacheTests
{
    private const int BlockSize = 64 * 1024;
    private const int Blocks = 16;

    private string _data = null!;
    private S3rverProcess _s3 = null!;
    private string _config = null!;

    [SetUp]
    public void StartS3rver()
    {
        _data = Directory.CreateTempSubdirectory("dittofs-s3cache-").FullName;
        _s3 = S3TestConfig.StartS3rver(_data);
        _config = S3TestConfig.Write(_data, _s3.Endpoint, "dittofs-cache",
            $"block_size: 64KiB, cache_memory_bytes: 4MiB, cache_directory: {_data}/cache, cache_disk_bytes: 16MiB");
    }

    [TearDown]
    public void StopS3rver()
    {
        _s3.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    [Test]
    public async Task Reads_are_counted_as_cache_hits_and_after_a_restart_are_served_from_the_disk_cache()
    {
        var data = new byte[Blocks * BlockSize];
        new Random(7).NextBytes(data);
        NfsFh3 file;
        int metricsPort = DittoFsProcess.FreePort();
        using (var server = DittoFsProcess.Start("--config", _config, "--metrics-port", metricsPort.ToString()))
        {
            await using var session = await NfsSession.MountAsync(server.Port);
            var created = await session.CreateAsync(session.Root, "cached");
            Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
            file = NfsSession.Copy(created.Resok.Obj.Handle);
            Assert.That((await session.WriteAsync(file, 0, data, StableHow.FileSync)).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));

            Assert.That(await session.ReadAllAsync(file), Is.EqualTo(data));

            var metrics = await MetricsEndpointTests.ScrapeAsync(metricsPort);
            Assert.That(metrics.Sum("dittofs_s3_cache_hits_total", "store=s3", "tier=memory"), Is.GreaterThanOrEqualTo(Blocks), "uploaded blocks are read from memory");
            Assert.That(metrics.Sum("dittofs_s3_cache_misses_total", "store=s3"), Is.Zero);
            Assert.That(metrics.Sum("dittofs_s3_cache_size_bytes", "store=s3", "tier=disk"), Is.GreaterThanOrEqualTo(Blocks * BlockSize));
            Assert.That(metrics.Sum("dittofs_s3_requests_total", "store=s3", "operation=PUT"), Is.GreaterThan(Blocks), "each block and the length uploaded");
            Assert.That(server.Terminate(TimeSpan.FromSeconds(30)), Is.Zero);
        }

        metricsPort = DittoFsProcess.FreePort();
        using (var restarted = DittoFsProcess.Start("--config", _config, "--metrics-port", metricsPort.ToString()))
        {
            await using var session = await NfsSession.MountAsync(restarted.Port);

            Assert.That(await session.ReadAllAsync(file), Is.EqualTo(data));

            var metrics = await MetricsEndpointTests.ScrapeAsync(metricsPort);
            Assert.That(metrics.Sum("dittofs_s3_cache_hits_total", "store=s3", "tier=disk"), Is.EqualTo(Blocks), "each block read once from disk (then from memory)");
            Assert.That(metrics.Sum("dittofs_s3_cache_misses_total", "store=s3"), Is.Zero, "no block fetched from S3");
            Assert.That(restarted.Terminate(TimeSpan.FromSeconds(30)), Is.Zero);
        }
    }
}
