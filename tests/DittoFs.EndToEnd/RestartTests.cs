using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage.S3.Tests.Infrastructure;

namespace DittoFs.EndToEnd;

/// <summary>
/// Persistent stores (the embedded default's RocksDB + files, and RocksDB + S3 on a real s3rver): after SIGTERM
/// and a restart on the same data, files read back byte-identical, handles clients held still work, and the write verifier
/// changed so clients know to resend uncommitted writes.
/// </summary>
[TestFixture]
public sealed class RestartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private string _data = null!;

    [SetUp]
    public void CreateDataDirectory() => _data = Directory.CreateTempSubdirectory("dittofs-restart-").FullName;

    [TearDown]
    public void RemoveDataDirectory() => Directory.Delete(_data, recursive: true);

    [Test]
    public Task Files_handles_and_listings_survive_a_restart_with_rocksdb_and_files() => SurvivesRestartAsync("--data-dir", _data);

    [Test]
    public async Task Files_handles_and_listings_survive_a_restart_with_rocksdb_and_s3()
    {
        using var s3 = S3TestConfig.StartS3rver(_data);
        string config = S3TestConfig.Write(_data, s3.Endpoint, "dittofs-e2e", "block_size: 1MiB", share: "root_squash: false");
        await SurvivesRestartAsync("--config", config);
    }

    private async Task SurvivesRestartAsync(params string[] arguments)
    {
        var content = new byte[3 * 1024 * 1024 + 5];
        new Random(11).NextBytes(content);
        NfsFh3 handle;
        byte[] verifierBefore;

        using (var server = DittoFsProcess.Start(arguments))
        {
            using (var nfs = LibNfsMount.Connect(server.Port))
            {
                nfs.Check(nfs.Mkdir("/kept"), "mkdir");
                nfs.WriteFile("/kept/file.bin", content);
            }
            handle = await LookupAsync(server.Port, "kept", "file.bin");
            verifierBefore = await WriteVerifierAsync(server.Port, handle);
            Assert.That(server.Terminate(Timeout), Is.EqualTo(0), "SIGTERM stops the server cleanly");
        }

        using (var server = DittoFsProcess.Start(arguments))
        {
            using (var nfs = LibNfsMount.Connect(server.Port))
            {
                Assert.That(nfs.ReadFile("/kept/file.bin"), Is.EqualTo(content));
                Assert.That(nfs.ListDirectory("/kept"), Does.Contain("file.bin"));
            }
            await using var rpc = await RpcClient.ConnectAsync("127.0.0.1", server.Port);
            var attributes = await new NfsV3Client(rpc).GetattrAsync(new Getattr3Args { Object = handle }).AsTask().WaitAsync(Timeout);
            Assert.That(attributes.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), "a handle from before the restart still works");
            Assert.That(attributes.Resok.ObjAttributes.Size.Value, Is.EqualTo((ulong)content.Length));
            Assert.That(await WriteVerifierAsync(server.Port, handle), Is.Not.EqualTo(verifierBefore), "a new instance has a new write verifier");
        }
    }

    private static async Task<NfsFh3> LookupAsync(int port, params string[] path)
    {
        await using var rpc = await RpcClient.ConnectAsync("127.0.0.1", port, new RpcClientOptions { Credential = RpcCredential.AuthSys(0, 0) });
        var mounted = await new MountV3Client(rpc).MntAsync(Encoding.UTF8.GetBytes("/export")).AsTask().WaitAsync(Timeout);
        var handle = new NfsFh3 { Data = mounted.Mountinfo.Fhandle.ToArray() };
        var nfs = new NfsV3Client(rpc);
        foreach (var name in path)
        {
            var found = await nfs.LookupAsync(new Lookup3Args { What = new Diropargs3 { Dir = handle, Name = Encoding.UTF8.GetBytes(name) } }).AsTask().WaitAsync(Timeout);
            Assert.That(found.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), name);
            handle = new NfsFh3 { Data = found.Resok.Object.Data.ToArray() };
        }
        return handle;
    }

    /// <summary>The verifier of an UNSTABLE write of zero bytes (changes nothing but reports the verifier).</summary>
    private static async Task<byte[]> WriteVerifierAsync(int port, NfsFh3 file)
    {
        await using var rpc = await RpcClient.ConnectAsync("127.0.0.1", port, new RpcClientOptions { Credential = RpcCredential.AuthSys(0, 0) });
        var written = await new NfsV3Client(rpc).WriteAsync(new Write3Args { File = file, Offset = 0, Count = 0, Stable = StableHow.Unstable, Data = Array.Empty<byte>() }).AsTask().WaitAsync(Timeout);
        Assert.That(written.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        return written.Resok.Verf.ToArray();
    }
}
