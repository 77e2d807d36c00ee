using System.Buffers.Binary;
using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.EndToEnd;

/// <summary>
/// A handle is not a key, against the real executable: two shares on ONE RocksDB metadata store. First both are open
/// and a secret file is written into /closed; then the server restarts with /closed admitting only 10.0.0.0/8. A client
/// admitted to /open rewrites its handles — the secret's file id under /open's share id, every small file id in turn,
/// /closed's own share id — and gets NFS3ERR_STALE or NFS3ERR_ACCES, never the file.
/// </summary>
[TestFixture]
public sealed class HandleForgingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private string _data = null!;

    [SetUp]
    public void CreateDataDirectory() => _data = Directory.CreateTempSubdirectory("dittofs-forging-").FullName;

    [TearDown]
    public void DeleteDataDirectory() => Directory.Delete(_data, recursive: true);

    private string Config(bool closedIsRestricted) => $"""
        metrics:
          enabled: false
        metadata:
          stores:
            meta: {"{"} type: rocksdb, rocksdb: {"{"} db_path: {_data}/metadata {"}"} {"}"}
        content:
          stores:
            content: {"{"} type: filesystem, filesystem: {"{"} path: {_data}/content {"}"} {"}"}
        shares:
          - name: /open
            metadata_store: meta
            content_store: content
          - name: /closed
            metadata_store: meta
            content_store: content
        {(closedIsRestricted ? "    allowed_clients: [10.0.0.0/8]" : "")}
        """;

    private static async Task<(RpcClient Rpc, NfsV3Client Nfs, MountV3Client Mount)> ConnectAsync(int port)
    {
        var rpc = await RpcClient.ConnectAsync("127.0.0.1", port, new RpcClientOptions { Credential = RpcCredential.AuthSys(0, 0, machineName: "forger") });
        return (rpc, new NfsV3Client(rpc), new MountV3Client(rpc));
    }

    private static async Task<(Mountstat3 Status, NfsFh3 Root)> MountAsync(MountV3Client mount, string export)
    {
        var result = await mount.MntAsync(Encoding.UTF8.GetBytes(export)).AsTask().WaitAsync(Timeout);
        return (result.FhsStatus, result.FhsStatus == Mountstat3.Mnt3Ok ? new NfsFh3 { Data = result.Mountinfo.Fhandle.ToArray() } : default);
    }

    /// <summary>A handle like <paramref name="template"/> (format, share id, generation) naming <paramref name="fileId"/>.</summary>
    private static NfsFh3 WithFileId(NfsFh3 template, ulong fileId)
    {
        var bytes = template.Data.ToArray();
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), fileId);
        return new NfsFh3 { Data = bytes };
    }

    private static ulong FileIdOf(NfsFh3 handle) => BinaryPrimitives.ReadUInt64BigEndian(handle.Data.Span[8..]);

    [Test]
    public async Task A_client_of_one_share_cannot_reach_another_shares_files_by_forging_handles()
    {
        NfsFh3 secretHandle;
        NfsFh3 secretDirectoryHandle;
        using (var server = ConfiguredServer.Start(Config(closedIsRestricted: false)))
        {
            var (rpc, nfs, mount) = await ConnectAsync(server.Port);
            await using (rpc)
            {
                var (status, closedRoot) = await MountAsync(mount, "/closed");
                Assert.That(status, Is.EqualTo(Mountstat3.Mnt3Ok));
                var directory = await nfs.MkdirAsync(new Mkdir3Args { Where = new Diropargs3 { Dir = closedRoot, Name = "private"u8.ToArray() }, Attributes = new Sattr3 { Mode = new SetMode3 { SetIt = true, Mode = 0x1FF } } });
                secretDirectoryHandle = new NfsFh3 { Data = directory.Resok.Obj.Handle.Data.ToArray() };
                var created = await nfs.CreateAsync(new Create3Args { Where = new Diropargs3 { Dir = secretDirectoryHandle, Name = "secret"u8.ToArray() }, How = new Createhow3 { Mode = Createmode3.Guarded, ObjAttributes = new Sattr3 { Mode = new SetMode3 { SetIt = true, Mode = 0x1B6 } } } });
                Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
                secretHandle = new NfsFh3 { Data = created.Resok.Obj.Handle.Data.ToArray() };
                var written = await nfs.WriteAsync(new Write3Args { File = secretHandle, Count = 10, Stable = StableHow.FileSync, Data = "top secret"u8.ToArray() });
                Assert.That(written.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
            }
        }

        using (var server = ConfiguredServer.Start(Config(closedIsRestricted: true)))
        {
            var (rpc, nfs, mount) = await ConnectAsync(server.Port);
            await using (rpc)
            {
                Assert.That((await MountAsync(mount, "/closed")).Status, Is.EqualTo(Mountstat3.Mnt3errAcces), "MNT of the closed share");
                var (status, openRoot) = await MountAsync(mount, "/open");
                Assert.That(status, Is.EqualTo(Mountstat3.Mnt3Ok));
                var mine = await nfs.CreateAsync(new Create3Args { Where = new Diropargs3 { Dir = openRoot, Name = "mine"u8.ToArray() }, How = new Createhow3 { Mode = Createmode3.Unchecked } });
                Assert.That(mine.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));

                // The secret's file id under the open share's id and generation.
                var forged = WithFileId(openRoot, FileIdOf(secretHandle));
                var forgedDirectory = WithFileId(openRoot, FileIdOf(secretDirectoryHandle));
                var statuses = new Dictionary<string, Nfsstat3>
                {
                    ["GETATTR"] = (await nfs.GetattrAsync(new Getattr3Args { Object = forged })).Status,
                    ["READ"] = (await nfs.ReadAsync(new Read3Args { File = forged, Count = 100 })).Status,
                    ["WRITE"] = (await nfs.WriteAsync(new Write3Args { File = forged, Count = 4, Stable = StableHow.FileSync, Data = "evil"u8.ToArray() })).Status,
                    ["SETATTR"] = (await nfs.SetattrAsync(new Setattr3Args { Object = forged, NewAttributes = new Sattr3 { Mode = new SetMode3 { SetIt = true, Mode = 0x1FF } } })).Status,
                    ["LOOKUP"] = (await nfs.LookupAsync(new Lookup3Args { What = new Diropargs3 { Dir = forgedDirectory, Name = "secret"u8.ToArray() } })).Status,
                    ["READDIR"] = (await nfs.ReaddirAsync(new Readdir3Args { Dir = forgedDirectory, Cookieverf = new byte[8], Count = 4096 })).Status,
                    ["REMOVE"] = (await nfs.RemoveAsync(new Remove3Args { Object = new Diropargs3 { Dir = forgedDirectory, Name = "secret"u8.ToArray() } })).Status,
                    ["LINK out"] = (await nfs.LinkAsync(new Link3Args { File = forged, Link = new Diropargs3 { Dir = openRoot, Name = "stolen"u8.ToArray() } })).Status,
                };
                Assert.That(statuses.Where(s => s.Value != Nfsstat3.Nfs3errStale), Is.Empty, "forged handles that were not STALE");

                // The real handle of the closed share: its export check refuses this client.
                Assert.That((await nfs.ReadAsync(new Read3Args { File = secretHandle, Count = 100 })).Status, Is.EqualTo(Nfsstat3.Nfs3errAcces));

                // Every small file id (the closed share's root, directory and file among them) and the open share's own
                // ones (ids come in blocks, so the file made after the restart is far above): only the latter answer.
                var own = new HashSet<ulong> { FileIdOf(openRoot), FileIdOf(new NfsFh3 { Data = mine.Resok.Obj.Handle.Data }) };
                var answered = new List<ulong>();
                foreach (ulong id in Enumerable.Range(1, 64).Select(i => (ulong)i).Union(own))
                {
                    if ((await nfs.GetattrAsync(new Getattr3Args { Object = WithFileId(openRoot, id) })).Status == Nfsstat3.Nfs3Ok)
                    {
                        answered.Add(id);
                    }
                }
                Assert.That(answered, Is.EquivalentTo(own), "file ids that answered through the open share");
            }
        }

        // And the secret is intact.
        using (var server = ConfiguredServer.Start(Config(closedIsRestricted: false)))
        {
            var (rpc, nfs, _) = await ConnectAsync(server.Port);
            await using (rpc)
            {
                var read = await nfs.ReadAsync(new Read3Args { File = secretHandle, Count = 100 });
                Assert.That(read.Resok.Data.ToArray(), Is.EqualTo("top secret"u8.ToArray()));
            }
        }
    }
}
