using System.Text;

namespace DittoFs.EndToEnd;

/// <summary>
/// NFSv4.0 with a client no one here wrote: Debian's libnfs utilities with <c>?version=4</c> (SETCLIENTID, PUTROOTFH,
/// LOOKUP through the pseudo file system, OPEN, READ, WRITE, CLOSE, READDIR) against the real server with
/// <c>server.nfs4: true</c>, the same files seen through v3. libnfs 4.0 fails in the client on writes over ~3.9 KB,
/// so the files written over v4 are small.
/// </summary>
[TestFixture]
public sealed class Nfs4LibNfsTests
{
    private ConfiguredServer _server = null!;
    private string _scratch = null!;

    [OneTimeSetUp]
    public void StartServer() => _server = ConfiguredServer.Start("""
        server:
          nfs4: true
          portmap: "false"

        """ + ConfiguredServer.InMemoryShare);

    [OneTimeTearDown]
    public void StopServer() => _server.Dispose();

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("dittofs-nfs4-").FullName;

    [TearDown]
    public void RemoveScratch() => Directory.Delete(_scratch, recursive: true);

    private string V4(string path) => $"nfs://127.0.0.1/export/{path}?version=4&nfsport={_server.Port}";

    private string V3(string path) => LibNfsMount.Url(_server.Port, path: "/" + path);

    [Test]
    public void A_file_written_over_v3_is_listed_and_read_over_v4()
    {
        using (var nfs = LibNfsMount.Connect(_server.Port))
        {
            nfs.Check(nfs.Mkdir("from-v3"), "mkdir");
            nfs.WriteFile("from-v3/hello.txt", "hello over v4\n"u8);
        }
        var listing = NfsUtilitiesTests.Run("nfs-ls", V4("from-v3"));
        Assert.That(listing, Does.Contain("hello.txt"));
        Assert.That(NfsUtilitiesTests.Run("nfs-cat", V4("from-v3/hello.txt")), Is.EqualTo("hello over v4\n"));
    }

    [Test]
    public void A_small_file_copied_in_over_v4_reads_back_over_v3_byte_identical()
    {
        string source = Path.Combine(_scratch, "small.bin"), copy = Path.Combine(_scratch, "back.bin");
        var data = new byte[3000];
        new Random(4).NextBytes(data);
        File.WriteAllBytes(source, data);
        NfsUtilitiesTests.Run("nfs-cp", source, V4("from-v4.bin"));
        NfsUtilitiesTests.Run("nfs-cp", V3("from-v4.bin"), copy);
        Assert.That(File.ReadAllBytes(copy), Is.EqualTo(data));
    }

    [Test]
    public void A_larger_file_written_over_v3_downloads_over_v4_byte_identical()
    {
        string source = Path.Combine(_scratch, "big.bin"), copy = Path.Combine(_scratch, "big-back.bin");
        var data = new byte[5 * 1024 * 1024 + 123];
        new Random(5).NextBytes(data);
        File.WriteAllBytes(source, data);
        NfsUtilitiesTests.Run("nfs-cp", source, V3("big.bin"));
        NfsUtilitiesTests.Run("nfs-cp", V4("big.bin"), copy);
        Assert.That(File.ReadAllBytes(copy), Is.EqualTo(data));
    }
}
