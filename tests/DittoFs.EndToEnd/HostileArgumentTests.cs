using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.EndToEnd;

/// <summary>
/// Well-formed calls with hostile values, through the generated client stubs against the real server: sizes that ask
/// for everything, a WRITE whose count and data disagree, names at and past the 255-byte limit in every procedure
/// that takes one, names that are not UTF-8, and a 200-level deep tree walked by libnfs.
/// </summary>
[TestFixture]
public sealed class HostileArgumentTests : ServerFixture
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private RpcClient _rpc = null!;
    private NfsV3Client _nfs = null!;
    private NfsFh3 _root;

    [SetUp]
    public async Task Connect()
    {
        _rpc = await RpcClient.ConnectAsync("127.0.0.1", Server.Port, new RpcClientOptions { Credential = RpcCredential.AuthSys(0, 0, machineName: "hostile") });
        _nfs = new NfsV3Client(_rpc);
        var mounted = await new MountV3Client(_rpc).MntAsync(Encoding.UTF8.GetBytes("/export")).AsTask().WaitAsync(Timeout);
        Assert.That(mounted.FhsStatus, Is.EqualTo(Mountstat3.Mnt3Ok));
        _root = new NfsFh3 { Data = mounted.Mountinfo.Fhandle.ToArray() };
    }

    [TearDown]
    public async Task Disconnect() => await _rpc.DisposeAsync();

    private static NfsFh3 Copy(NfsFh3 handle) => new() { Data = handle.Data.ToArray() };

    private static Diropargs3 Where(NfsFh3 directory, byte[] name) => new() { Dir = directory, Name = name };

    private async Task<NfsFh3> MkdirAsync(NfsFh3 parent, byte[] name)
    {
        var made = await _nfs.MkdirAsync(new Mkdir3Args { Where = Where(parent, name), Attributes = Mode(0x1FF) }).AsTask().WaitAsync(Timeout);
        Assert.That(made.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), "MKDIR");
        return Copy(made.Resok.Obj.Handle);
    }

    private async Task<NfsFh3> CreateAsync(NfsFh3 parent, byte[] name)
    {
        var made = await _nfs.CreateAsync(new Create3Args { Where = Where(parent, name), How = new Createhow3 { Mode = Createmode3.Guarded, ObjAttributes = Mode(0x1B6) } })
            .AsTask().WaitAsync(Timeout);
        Assert.That(made.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), $"CREATE {Convert.ToHexString(name)}");
        return Copy(made.Resok.Obj.Handle);
    }

    private static Sattr3 Mode(uint mode) => new() { Mode = new SetMode3 { SetIt = true, Mode = mode } };

    private async Task<NfsFh3> FreshDirectoryAsync(string prefix) => await MkdirAsync(_root, Encoding.ASCII.GetBytes($"{prefix}-{Guid.NewGuid():N}"));

    /// <summary>Every name in a directory, as bytes, listed with READDIR in pages of <paramref name="count"/>.</summary>
    private async Task<List<byte[]>> ListAsync(NfsFh3 directory, uint count = 8192)
    {
        var names = new List<byte[]>();
        ulong cookie = 0;
        byte[] verifier = new byte[8];
        for (int page = 0; page < 10_000; page++)
        {
            var listed = await _nfs.ReaddirAsync(new Readdir3Args { Dir = directory, Cookie = cookie, Cookieverf = verifier, Count = count }).AsTask().WaitAsync(Timeout);
            Assert.That(listed.Status, Is.EqualTo(Nfsstat3.Nfs3Ok), "READDIR");
            foreach (var entry in listed.Resok.Reply.Entries)
            {
                names.Add(entry.Name.ToArray());
                cookie = entry.Cookie;
            }
            verifier = listed.Resok.Cookieverf.ToArray();
            if (listed.Resok.Reply.Eof)
            {
                return names;
            }
        }
        throw new AssertionException("READDIR never reached eof");
    }

    [Test]
    public async Task Readdir_with_a_count_of_0xFFFFFFFF_is_capped_and_lists_everything()
    {
        var directory = await FreshDirectoryAsync("huge-count");
        for (int i = 0; i < 100; i++)
        {
            await CreateAsync(directory, Encoding.ASCII.GetBytes($"f{i:D3}"));
        }
        long before = ConfiguredServer.ResidentKib(Server.ProcessId);

        var listed = await _nfs.ReaddirAsync(new Readdir3Args { Dir = directory, Cookieverf = new byte[8], Count = uint.MaxValue }).AsTask().WaitAsync(Timeout);

        Assert.That(listed.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(listed.Resok.Reply.Eof, Is.True);
        var names = listed.Resok.Reply.Entries.ToArray().Select(entry => Encoding.ASCII.GetString(entry.Name.Span)).ToList();
        Assert.That(names, Is.EquivalentTo(new[] { ".", ".." }.Concat(Enumerable.Range(0, 100).Select(i => $"f{i:D3}"))));
        long growth = ConfiguredServer.ResidentKib(Server.ProcessId) - before;
        TestContext.Out.WriteLine($"READDIR count=0xFFFFFFFF: server RSS {before / 1024} MiB before, +{growth} KiB after");
        Assert.That(growth, Is.LessThan(64 * 1024), "no allocation of the requested 4 GiB");
    }

    [Test]
    public async Task Readdirplus_with_huge_counts_is_capped_and_gives_handles_and_attributes()
    {
        var directory = await FreshDirectoryAsync("huge-maxcount");
        for (int i = 0; i < 50; i++)
        {
            await CreateAsync(directory, Encoding.ASCII.GetBytes($"p{i:D2}"));
        }

        var listed = await _nfs.ReaddirplusAsync(new Readdirplus3Args { Dir = directory, Cookieverf = new byte[8], Dircount = uint.MaxValue, Maxcount = uint.MaxValue })
            .AsTask().WaitAsync(Timeout);

        Assert.That(listed.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(listed.Resok.Reply.Eof, Is.True);
        var entries = listed.Resok.Reply.Entries.ToArray().Where(entry => entry.Name.Span[0] == (byte)'p').ToList();
        Assert.That(entries, Has.Count.EqualTo(50));
        Assert.That(entries.All(entry => entry.NameHandle.HandleFollows && entry.NameAttributes.AttributesFollow), Is.True, "every entry has a handle and attributes");
    }

    [TestCase(10u, 4, TestName = "WRITE count 10 with 4 bytes of data is NFS3ERR_INVAL and writes nothing")]
    [TestCase(2u, 4, TestName = "WRITE count 2 with 4 bytes of data is NFS3ERR_INVAL and writes nothing")]
    [TestCase(0u, 8, TestName = "WRITE count 0 with 8 bytes of data is NFS3ERR_INVAL and writes nothing")]
    public async Task A_write_whose_count_disagrees_with_its_data_is_refused(uint count, int dataLength)
    {
        var directory = await FreshDirectoryAsync("write-count");
        var file = await CreateAsync(directory, "f"u8.ToArray());
        var original = "0123456789"u8.ToArray();
        var first = await _nfs.WriteAsync(new Write3Args { File = file, Count = (uint)original.Length, Stable = StableHow.FileSync, Data = original }).AsTask().WaitAsync(Timeout);
        Assert.That(first.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));

        var written = await _nfs.WriteAsync(new Write3Args { File = file, Offset = 2, Count = count, Stable = StableHow.FileSync, Data = Enumerable.Repeat((byte)'X', dataLength).ToArray() })
            .AsTask().WaitAsync(Timeout);

        Assert.That(written.Status, Is.EqualTo(Nfsstat3.Nfs3errInval));
        var read = await _nfs.ReadAsync(new Read3Args { File = file, Count = 100 }).AsTask().WaitAsync(Timeout);
        Assert.That(read.Resok.Data.ToArray(), Is.EqualTo(original), "the file is as it was");
    }

    private static byte[] NameOf(int length, byte fill = (byte)'n') => Enumerable.Repeat(fill, length).ToArray();

    [Test]
    public async Task Names_of_255_bytes_work_in_every_procedure_that_takes_a_name()
    {
        var directory = await FreshDirectoryAsync("name-255");
        var other = await MkdirAsync(directory, "other"u8.ToArray());
        byte[] Name(char c) => NameOf(255, (byte)c);

        var file = await CreateAsync(directory, Name('f'));
        var statuses = new Dictionary<string, Nfsstat3>
        {
            ["LOOKUP"] = (await _nfs.LookupAsync(new Lookup3Args { What = Where(directory, Name('f')) })).Status,
            ["MKDIR"] = (await _nfs.MkdirAsync(new Mkdir3Args { Where = Where(directory, Name('d')) })).Status,
            ["SYMLINK"] = (await _nfs.SymlinkAsync(new Symlink3Args { Where = Where(directory, Name('s')), Symlink = new Symlinkdata3 { SymlinkData = Name('f') } })).Status,
            ["MKNOD"] = (await _nfs.MknodAsync(new Mknod3Args { Where = Where(directory, Name('p')), What = new Mknoddata3 { Type = Ftype3.Nf3fifo } })).Status,
            ["LINK"] = (await _nfs.LinkAsync(new Link3Args { File = file, Link = Where(other, Name('l')) })).Status,
            ["RENAME"] = (await _nfs.RenameAsync(new Rename3Args { From = Where(directory, Name('s')), To = Where(other, Name('r')) })).Status,
        };
        var listedHere = await ListAsync(directory);
        var listedThere = await ListAsync(other);
        statuses["REMOVE"] = (await _nfs.RemoveAsync(new Remove3Args { Object = Where(other, Name('l')) })).Status;
        statuses["RMDIR"] = (await _nfs.RmdirAsync(new Rmdir3Args { Object = Where(directory, Name('d')) })).Status;

        Assert.That(statuses.Where(status => status.Value != Nfsstat3.Nfs3Ok), Is.Empty, "procedures that refused a 255-byte name");
        Assert.That(listedHere, Has.Some.EqualTo(Name('f')).And.Some.EqualTo(Name('d')).And.Some.EqualTo(Name('p')), "READDIR returns the names whole");
        Assert.That(listedThere, Has.Some.EqualTo(Name('l')).And.Some.EqualTo(Name('r')));
    }

    [Test]
    public async Task Names_of_256_bytes_are_nametoolong_in_every_procedure_that_takes_a_name()
    {
        var directory = await FreshDirectoryAsync("name-256");
        var file = await CreateAsync(directory, "file"u8.ToArray());
        await MkdirAsync(directory, "dir"u8.ToArray());
        var tooLong = NameOf(256);

        var statuses = new Dictionary<string, Nfsstat3>
        {
            ["LOOKUP"] = (await _nfs.LookupAsync(new Lookup3Args { What = Where(directory, tooLong) })).Status,
            ["CREATE"] = (await _nfs.CreateAsync(new Create3Args { Where = Where(directory, tooLong), How = new Createhow3 { Mode = Createmode3.Unchecked } })).Status,
            ["MKDIR"] = (await _nfs.MkdirAsync(new Mkdir3Args { Where = Where(directory, tooLong) })).Status,
            ["SYMLINK"] = (await _nfs.SymlinkAsync(new Symlink3Args { Where = Where(directory, tooLong), Symlink = new Symlinkdata3 { SymlinkData = "file"u8.ToArray() } })).Status,
            ["MKNOD"] = (await _nfs.MknodAsync(new Mknod3Args { Where = Where(directory, tooLong), What = new Mknoddata3 { Type = Ftype3.Nf3fifo } })).Status,
            ["REMOVE"] = (await _nfs.RemoveAsync(new Remove3Args { Object = Where(directory, tooLong) })).Status,
            ["RMDIR"] = (await _nfs.RmdirAsync(new Rmdir3Args { Object = Where(directory, tooLong) })).Status,
            ["RENAME from"] = (await _nfs.RenameAsync(new Rename3Args { From = Where(directory, tooLong), To = Where(directory, "x"u8.ToArray()) })).Status,
            ["RENAME to"] = (await _nfs.RenameAsync(new Rename3Args { From = Where(directory, "file"u8.ToArray()), To = Where(directory, tooLong) })).Status,
            ["LINK"] = (await _nfs.LinkAsync(new Link3Args { File = file, Link = Where(directory, tooLong) })).Status,
        };

        Assert.That(statuses.Where(status => status.Value != Nfsstat3.Nfs3errNametoolong), Is.Empty, "procedures that did not answer NAMETOOLONG");
        Assert.That((await ListAsync(directory)).Select(name => Encoding.ASCII.GetString(name)), Is.EquivalentTo(new[] { ".", "..", "file", "dir" }), "nothing was made or moved");
    }

    private static readonly byte[][] NonUtf8Names =
    [
        [0x80],                         // a lone continuation byte
        [0xFF, 0xFE, 0xFD],             // bytes that never appear in UTF-8
        [0xC3, 0x28],                   // a two-byte sequence with a bad continuation
        [0xE2, 0x82],                   // a sequence cut short
        [0xED, 0xA0, 0x80],             // an encoded surrogate
        [0xC0, 0xAF],                   // an overlong '/'
        [(byte)'c', (byte)'a', (byte)'f', 0xE9], // Latin-1 "café"
        [.. Enumerable.Range(0x80, 0x7F).Select(b => (byte)b)], // every byte 0x80-0xFE
    ];

    [Test]
    public async Task Names_that_are_not_utf8_are_stored_and_returned_byte_exact()
    {
        var directory = await FreshDirectoryAsync("non-utf8");
        for (int i = 0; i < NonUtf8Names.Length; i++)
        {
            if (i % 2 == 0)
            {
                await CreateAsync(directory, NonUtf8Names[i]);
            }
            else
            {
                await MkdirAsync(directory, NonUtf8Names[i]);
            }
        }

        var listed = await ListAsync(directory, count: 512);
        var found = new List<Nfsstat3>();
        foreach (var name in NonUtf8Names)
        {
            found.Add((await _nfs.LookupAsync(new Lookup3Args { What = Where(directory, name) })).Status);
        }

        Assert.That(listed.Where(name => name is not [(byte)'.'] and not [(byte)'.', (byte)'.']).Select(Convert.ToHexString),
            Is.EquivalentTo(NonUtf8Names.Select(Convert.ToHexString)), "READDIR gives back the exact bytes");
        Assert.That(found, Is.All.EqualTo(Nfsstat3.Nfs3Ok), "LOOKUP finds each by its exact bytes");
        var renamed = await _nfs.RenameAsync(new Rename3Args { From = Where(directory, NonUtf8Names[0]), To = Where(directory, [0xFE, 0x80]) });
        Assert.That(renamed.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That((await _nfs.LookupAsync(new Lookup3Args { What = Where(directory, [0xFE, 0x80]) })).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That((await _nfs.RemoveAsync(new Remove3Args { Object = Where(directory, [0xFE, 0x80]) })).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
    }

    [Test]
    public void A_tree_200_levels_deep_is_made_and_walked_by_libnfs()
    {
        const int Depth = 200;
        string top = UniqueName("deep");
        using var libnfs = LibNfsMount.Connect(Server.Port);
        libnfs.Check(libnfs.Mkdir(top), "mkdir " + top);
        var path = new StringBuilder(top);
        for (int level = 1; level <= Depth; level++)
        {
            path.Append($"/d{level}");
            libnfs.Check(libnfs.Mkdir(path.ToString()), $"mkdir at level {level}");
        }
        string bottom = path + "/leaf";
        libnfs.WriteFile(bottom, "at the bottom"u8);

        var stat = libnfs.Stat(bottom);

        Assert.That(stat.Size, Is.EqualTo((ulong)"at the bottom".Length));
        Assert.That(libnfs.ReadFile(bottom), Is.EqualTo("at the bottom"u8.ToArray()));
        TestContext.Out.WriteLine($"{Depth} levels, path of {bottom.Length} characters");
    }
}
