using DittoFs.Storage.TestSupport;

namespace DittoFs.EndToEnd;

/// <summary>ditto-nfs when a transfer fails part-way: the error is a line of its own, not glued to the progress bar.</summary>
public sealed partial class DittoNfsToolTests
{
    [Test]
    [NonParallelizable]
    public void A_put_that_fails_part_way_reports_the_error_on_a_new_line_after_the_progress_bar()
    {
        // A server whose content lives on a 4 MiB tmpfs: a 16 MiB put is answered NFS3ERR_NOSPC part-way.
        using var small = SmallFileSystem.TryMount(4 << 20, out string whyNot);
        if (small is null)
            Assert.Ignore($"No small file system to fill here: {whyNot}");
        string config = Path.Combine(_scratch, "dittofs.yaml");
        File.WriteAllText(config, ConfiguredServer.OnDiskShare($"{_scratch}/metadata", small!.Path));
        string source = Path.Combine(_scratch, "big.bin");
        var data = new byte[16 * MiB];
        new Random(11).NextBytes(data);
        File.WriteAllBytes(source, data);
        using var server = DittoFsProcess.Start("--config", config);

        var put = Tool("put", "--progress", source, $"nfs://127.0.0.1/export/big.bin?version=3&nfsport={server.Port}&mountport={server.Port}");

        Assert.That(put.ExitCode, Is.EqualTo(1), put.Error);
        Assert.That(put.Error, Does.Contain("\r["), "a bar was drawn before the failure");
        Assert.That(put.Error, Does.Contain("NFS3ERR_NOSPC"));
        Assert.That(put.Error, Does.Match(@"(^|\n)ditto-nfs: put: "), "the error starts a line");
        Assert.That(put.Error, Does.Not.Match(@"[^\n]ditto-nfs: put: "), "and is not glued to the bar");
    }
}
