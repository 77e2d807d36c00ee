using System.Diagnostics;
using DittoFs.Protocol;
using DittoFs.Storage;
using DittoFs.Storage.FileSystem;

namespace DittoFs.EndToEnd;

/// <summary>
/// <c>dittofs fsck</c> as an operator runs it, on the data directory of a real server: clean after a stop, refused
/// while the server runs, a planted orphan found (exit 1), removed by --repair, clean again; usage errors exit 2.
/// </summary>
[TestFixture]
public sealed class FsckCommandLineTests
{
    private string _data = null!;

    [SetUp]
    public void CreateDataDirectory() => _data = Directory.CreateTempSubdirectory("dittofs-fsck-cli-").FullName;

    [TearDown]
    public void RemoveDataDirectory() => Directory.Delete(_data, recursive: true);

    [Test]
    public async Task Fsck_finds_and_repairs_an_orphan_and_refuses_a_running_server()
    {
        string contentFile;
        using (var server = DittoFsProcess.Start("--data-dir", _data))
        {
            await using (var session = await NfsSession.MountAsync(server.Port))
            {
                var created = await session.CreateAsync(session.Root, "kept");
                Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
                var written = await session.WriteAsync(created.Resok.Obj.Handle, 0, new byte[1000], StableHow.FileSync);
                Assert.That(written.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
            }
            var running = Fsck("--data-dir", _data);
            Assert.That(running.ExitCode, Is.EqualTo(2), running.Output);
            Assert.That(running.Output, Does.Contain("still running"));
            Assert.That(server.Terminate(TimeSpan.FromSeconds(30)), Is.Zero);
        }
        Assert.That(Fsck("--data-dir", _data).ExitCode, Is.Zero, "clean after a clean stop");

        // Content of this store's prefix that no file names, as a crash between a REMOVE's two steps leaves it.
        string contentDirectory = Path.Combine(_data, "content");
        contentFile = Directory.EnumerateFiles(contentDirectory, "*", SearchOption.AllDirectories).Single();
        ulong prefix = Convert.ToUInt64(Path.GetFileName(contentFile)[..16], 16);
        using (var content = new FileSystemContentStore(contentDirectory))
            Assert.That(await content.WriteAsync(new ContentId(new UInt128(prefix, 0xfffff)), 0, new byte[10]), Is.EqualTo(StoreStatus.Ok));
        string orphan = Directory.EnumerateFiles(contentDirectory, "*", SearchOption.AllDirectories).Single(f => f != contentFile);

        var found = Fsck("--data-dir", _data);
        Assert.That(found.ExitCode, Is.EqualTo(1), found.Output);
        Assert.That(found.Output, Does.Contain("OrphanContent"));
        Assert.That(File.Exists(orphan), "a check alone deletes nothing");
        var repaired = Fsck("--data-dir", _data, "--repair");
        Assert.That(repaired.ExitCode, Is.EqualTo(1), repaired.Output);
        Assert.That(repaired.Output, Does.Contain("[repaired]"));
        Assert.That(File.Exists(orphan), Is.False);
        Assert.That(File.Exists(contentFile), "the live file's content stays");
        Assert.That(Fsck("--data-dir", _data).ExitCode, Is.Zero, "clean after the repair");
    }

    [Test]
    public void A_directory_that_holds_no_store_exits_with_2_saying_nothing_there_not_clean()
    {
        var empty = Fsck("--data-dir", _data);

        Assert.That(empty.ExitCode, Is.EqualTo(2), empty.Output);
        Assert.That(empty.Output, Does.Contain("nothing there").And.Not.Contain("clean"));
    }

    [TestCase("--bogus")]
    [TestCase("--config")]
    [TestCase("--config", "a.yaml", "--data-dir", "/tmp")]
    [TestCase("--config", "/nonexistent/dittofs.yaml")]
    public void Usage_errors_exit_with_2(params string[] arguments)
    {
        var result = Fsck(arguments);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.Output);
    }

    internal static (int ExitCode, string Output) Fsck(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dittofs.dll"));
        start.ArgumentList.Add("fsck");
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            throw new TimeoutException("dittofs fsck took over 60 s");
        }
        return (process.ExitCode, output.Result + errors.Result);
    }
}
