using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace DittoFs.EndToEnd;

/// <summary>Debian's nfs-cp, nfs-ls and nfs-cat against the real server.</summary>
[TestFixture]
public sealed class NfsUtilitiesTests : ServerFixture
{
    private string _scratch = null!;

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("dittofs-e2e-").FullName;

    [TearDown]
    public void RemoveScratch() => Directory.Delete(_scratch, recursive: true);

    private string Url(string path) => LibNfsMount.Url(Server.Port, path: path);

    [Test]
    public void A_100_MiB_file_round_trips_byte_identical_through_nfs_cp()
    {
        string source = Path.Combine(_scratch, "in.bin"), copy = Path.Combine(_scratch, "out.bin");
        var data = new byte[100 * 1024 * 1024];
        new Random(42).NextBytes(data);
        File.WriteAllBytes(source, data);
        string remote = UniqueName("big") + ".bin";

        Run("nfs-cp", source, Url(remote));
        Run("nfs-cp", Url(remote), copy);

        Assert.That(new FileInfo(copy).Length, Is.EqualTo(data.Length));
        Assert.That(SHA256.HashData(File.ReadAllBytes(copy)), Is.EqualTo(SHA256.HashData(data)));
    }

    [Test]
    public void Nfs_ls_lists_a_tree_of_1000_files()
    {
        string dir = UniqueName("tree");
        using (var nfs = LibNfsMount.Connect(Server.Port))
        {
            nfs.Check(nfs.Mkdir(dir), "mkdir");
            for (int i = 0; i < 1000; i++)
                nfs.WriteFile($"{dir}/file-{i:D4}", Encoding.ASCII.GetBytes(i.ToString()));
        }
        var lines = Run("nfs-ls", Url(dir)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var names = lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last()).Where(n => n.StartsWith("file-")).ToList();
        Assert.That(names, Is.EquivalentTo(Enumerable.Range(0, 1000).Select(i => $"file-{i:D4}")));
    }

    [Test]
    public void Nfs_cat_prints_a_file()
    {
        string path = UniqueName("cat");
        using (var nfs = LibNfsMount.Connect(Server.Port))
            nfs.WriteFile(path, "hello from dittofs\n"u8);
        Assert.That(Run("nfs-cat", Url(path)), Is.EqualTo("hello from dittofs\n"));
    }

    /// <summary>Runs one of the libnfs utilities to its end (3 minutes at most) and gives its output; it must succeed.</summary>
    internal static string Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill();
            Assert.Fail($"{tool} did not finish within 3 minutes");
        }
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.EqualTo(0), $"{tool} {string.Join(' ', arguments)} failed: {stderr.Result}");
        return stdout.Result;
    }
}
