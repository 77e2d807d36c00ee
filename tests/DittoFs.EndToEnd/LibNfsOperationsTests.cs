using System.Text;

namespace DittoFs.EndToEnd;

/// <summary>Every file-system operation, through libnfs's sync API against the real server.</summary>
[TestFixture]
public sealed class LibNfsOperationsTests : ServerFixture
{
    private LibNfsMount _nfs = null!;

    [SetUp]
    public void Mount() => _nfs = LibNfsMount.Connect(Server.Port);

    [TearDown]
    public void Unmount() => _nfs.Dispose();

    [Test]
    public void Written_bytes_read_back_identical()
    {
        string path = UniqueName("file");
        var data = new byte[3 * 1024 * 1024 + 17];
        new Random(1).NextBytes(data);
        _nfs.WriteFile(path, data);
        Assert.That(_nfs.ReadFile(path), Is.EqualTo(data));
        Assert.That(_nfs.Stat(path).Size, Is.EqualTo((ulong)data.Length));
    }

    [Test]
    public void Exclusive_create_of_an_existing_file_fails_with_EEXIST()
    {
        string path = UniqueName("excl");
        _nfs.Check(_nfs.Create(path, LibNfsMount.WriteOnly | LibNfsMount.Creat | LibNfsMount.Excl, 0x1A4, out var fh), "create");
        _nfs.Close(fh);
        int again = _nfs.Create(path, LibNfsMount.WriteOnly | LibNfsMount.Creat | LibNfsMount.Excl, 0x1A4, out _);
        Assert.That(again, Is.EqualTo(-LibNfsMount.EEXIST));
    }

    [Test]
    public void Pwrite_at_an_offset_leaves_a_hole_of_zeros()
    {
        string path = UniqueName("sparse");
        _nfs.Check(_nfs.Create(path, LibNfsMount.ReadWrite | LibNfsMount.Creat, 0x1A4, out var fh), "create");
        _nfs.Check(_nfs.Pwrite(fh, 1_000_000, "end"u8), "pwrite");
        _nfs.Check(_nfs.Fsync(fh), "fsync");
        var buffer = new byte[16];
        int read = _nfs.Check(_nfs.Pread(fh, 500_000, buffer), "pread");
        _nfs.Close(fh);
        Assert.That(read, Is.EqualTo(16));
        Assert.That(buffer, Is.All.EqualTo(0));
        Assert.That(_nfs.Stat(path).Size, Is.EqualTo(1_000_003UL));
    }

    [Test]
    public void Mkdir_then_rmdir()
    {
        string dir = UniqueName("dir");
        _nfs.Check(_nfs.Mkdir(dir), "mkdir");
        Assert.That(_nfs.Stat(dir).Mode & 0xF000, Is.EqualTo(0x4000UL), "S_IFDIR");
        _nfs.Check(_nfs.Rmdir(dir), "rmdir");
        Assert.That(_nfs.Stat(dir, out _), Is.EqualTo(-LibNfsMount.ENOENT));
    }

    [Test]
    public void Rmdir_of_a_non_empty_directory_fails_with_ENOTEMPTY()
    {
        string dir = UniqueName("full");
        _nfs.Check(_nfs.Mkdir(dir), "mkdir");
        _nfs.WriteFile(dir + "/child", "x"u8);
        Assert.That(_nfs.Rmdir(dir), Is.EqualTo(-LibNfsMount.ENOTEMPTY));
    }

    [Test]
    public void Unlink_removes_the_file()
    {
        string path = UniqueName("gone");
        _nfs.WriteFile(path, "bye"u8);
        _nfs.Check(_nfs.Unlink(path), "unlink");
        Assert.That(_nfs.Stat(path, out _), Is.EqualTo(-LibNfsMount.ENOENT));
    }

    [Test]
    public void Rename_across_directories_over_an_existing_file()
    {
        string a = UniqueName("a"), b = UniqueName("b");
        _nfs.Check(_nfs.Mkdir(a), "mkdir");
        _nfs.Check(_nfs.Mkdir(b), "mkdir");
        _nfs.WriteFile(a + "/f", "new"u8);
        _nfs.WriteFile(b + "/f", "old content"u8);
        _nfs.Check(_nfs.Rename(a + "/f", b + "/f"), "rename");
        Assert.That(_nfs.Stat(a + "/f", out _), Is.EqualTo(-LibNfsMount.ENOENT));
        Assert.That(Encoding.ASCII.GetString(_nfs.ReadFile(b + "/f")), Is.EqualTo("new"));
    }

    [Test]
    public void Rename_of_a_directory_into_itself_fails_with_EINVAL()
    {
        string dir = UniqueName("self");
        _nfs.Check(_nfs.Mkdir(dir), "mkdir");
        _nfs.Check(_nfs.Mkdir(dir + "/sub"), "mkdir");
        Assert.That(_nfs.Rename(dir, dir + "/sub/moved"), Is.EqualTo(-LibNfsMount.EINVAL));
    }

    [Test]
    public void Hard_link_counts_both_names()
    {
        string path = UniqueName("linked");
        _nfs.WriteFile(path, "shared"u8);
        _nfs.Check(_nfs.Link(path, path + "-2"), "link");
        Assert.That(_nfs.Stat(path).Nlink, Is.EqualTo(2UL));
        Assert.That(_nfs.Stat(path + "-2").Ino, Is.EqualTo(_nfs.Stat(path).Ino));
        _nfs.Check(_nfs.Unlink(path), "unlink");
        Assert.That(_nfs.Stat(path + "-2").Nlink, Is.EqualTo(1UL));
    }

    [Test]
    public void Symlink_and_readlink_keep_the_target()
    {
        string path = UniqueName("sym");
        _nfs.Check(_nfs.Symlink("some/where/else", path), "symlink");
        Assert.That(_nfs.ReadLink(path), Is.EqualTo("some/where/else"));
        _nfs.Check(_nfs.Lstat(path, out var stat), "lstat");
        Assert.That(stat.Mode & 0xF000, Is.EqualTo(0xA000UL), "S_IFLNK");
    }

    [Test]
    public void Chmod_changes_the_permission_bits()
    {
        string path = UniqueName("mode");
        _nfs.WriteFile(path, "m"u8);
        _nfs.Check(_nfs.Chmod(path, 0x1C0 /* 0700 */), "chmod");
        Assert.That(_nfs.Stat(path).Mode & 0xFFF, Is.EqualTo(0x1C0UL));
    }

    [Test]
    public void Chown_by_root_changes_owner_and_group()
    {
        string path = UniqueName("owner");
        _nfs.WriteFile(path, "o"u8);
        _nfs.Check(_nfs.Chown(path, 1234, 5678), "chown");
        var stat = _nfs.Stat(path);
        Assert.That((stat.Uid, stat.Gid), Is.EqualTo((1234UL, 5678UL)));
    }

    [Test]
    public void Utimes_sets_access_and_modification_times()
    {
        string path = UniqueName("times");
        _nfs.WriteFile(path, "t"u8);
        _nfs.Check(_nfs.Utimes(path, 1_000_000_000, 1_100_000_000), "utimes");
        var stat = _nfs.Stat(path);
        Assert.That((stat.Atime, stat.Mtime), Is.EqualTo((1_000_000_000UL, 1_100_000_000UL)));
    }

    [Test]
    public void Truncate_shrinks_and_grows()
    {
        string path = UniqueName("trunc");
        _nfs.WriteFile(path, "0123456789"u8);
        _nfs.Check(_nfs.Truncate(path, 4), "truncate");
        Assert.That(Encoding.ASCII.GetString(_nfs.ReadFile(path)), Is.EqualTo("0123"));
        _nfs.Check(_nfs.Truncate(path, 8), "truncate");
        Assert.That(_nfs.ReadFile(path), Is.EqualTo(new byte[] { (byte)'0', (byte)'1', (byte)'2', (byte)'3', 0, 0, 0, 0 }));
    }

    /// <summary>
    /// On the embedded default the file-system content store refuses a length its disk's file system cannot hold; the
    /// size recorded before the content store said so must be taken back (it once stayed at the refused length).
    /// </summary>
    [Test]
    public void A_truncate_the_content_store_refuses_leaves_the_size_as_it_was()
    {
        string path = UniqueName("huge");
        _nfs.WriteFile(path, "0123456789"u8);
        var before = _nfs.Stat(path);

        Assert.That(_nfs.Truncate(path, 999_999_999_999_999), Is.EqualTo(-LibNfsMount.EFBIG));

        var after = _nfs.Stat(path);
        Assert.That((after.Size, after.Mtime, after.MtimeNsec, after.Ctime, after.CtimeNsec), Is.EqualTo((before.Size, before.Mtime, before.MtimeNsec, before.Ctime, before.CtimeNsec)));
        Assert.That(Encoding.ASCII.GetString(_nfs.ReadFile(path)), Is.EqualTo("0123456789"));
    }

    [Test]
    public void Mknod_creates_a_fifo()
    {
        string path = UniqueName("fifo");
        _nfs.Check(_nfs.Mknod(path, 0x1000 | 0x1A4 /* S_IFIFO | 0644 */, 0), "mknod");
        Assert.That(_nfs.Stat(path).Mode & 0xF000, Is.EqualTo(0x1000UL), "S_IFIFO");
    }

    [Test]
    public void Mknod_creates_a_character_device()
    {
        string path = UniqueName("chr");
        _nfs.Check(_nfs.Mknod(path, 0x2000 | 0x1A4 /* S_IFCHR | 0644 */, (1 << 8) | 3), "mknod");
        Assert.That(_nfs.Stat(path).Mode & 0xF000, Is.EqualTo(0x2000UL), "S_IFCHR");
    }

    [Test]
    public void Access_reports_what_the_mode_grants()
    {
        string path = UniqueName("access");
        _nfs.WriteFile(path, "a"u8, mode: 0x124 /* 0444 */);
        using var user = LibNfsMount.Connect(Server.Port, uid: 1000, gid: 1000);
        Assert.That(user.Access(path, 4 /* R_OK */), Is.EqualTo(0));
        Assert.That(user.Access(path, 2 /* W_OK */), Is.EqualTo(-LibNfsMount.EACCES));
    }

    [Test]
    public void Readdir_lists_every_entry_once()
    {
        string dir = UniqueName("list");
        _nfs.Check(_nfs.Mkdir(dir), "mkdir");
        var expected = Enumerable.Range(0, 300).Select(i => $"entry-{i:D4}").ToList();
        foreach (var name in expected)
            _nfs.WriteFile($"{dir}/{name}", ReadOnlySpan<byte>.Empty);
        var listed = _nfs.ListDirectory(dir);
        Assert.That(listed.Where(n => n is not "." and not ".."), Is.EquivalentTo(expected));
        Assert.That(listed, Does.Contain(".").And.Contain(".."));
    }

    [Test]
    public void Statvfs_reports_the_file_system()
    {
        var stat = _nfs.StatVfs("/");
        Assert.That(stat.Blocks, Is.GreaterThan(0UL));
        Assert.That(stat.Bfree, Is.LessThanOrEqualTo(stat.Blocks));
    }

    [Test]
    public void A_non_owner_cannot_write_a_read_only_file()
    {
        string path = UniqueName("ro");
        _nfs.WriteFile(path, "r"u8, mode: 0x1A4 /* 0644 */);
        using var user = LibNfsMount.Connect(Server.Port, uid: 1000, gid: 1000);
        Assert.That(user.Open(path, LibNfsMount.WriteOnly, out _), Is.EqualTo(-LibNfsMount.EACCES));
    }
}
