using DittoFs.Protocol;
using DittoFs.Tools.Nfs.Commands;
using DittoFs.Tools.Nfs.Formatting;

namespace DittoFs.Tools.Tests;

public sealed class FormattingTests
{
    [TestCase(Ftype3.Nf3reg, 0x1A4u, "-rw-r--r--")]
    [TestCase(Ftype3.Nf3dir, 0x1EDu, "drwxr-xr-x")]
    [TestCase(Ftype3.Nf3lnk, 0x1FFu, "lrwxrwxrwx")]
    [TestCase(Ftype3.Nf3reg, 0x9EDu, "-rwsr-xr-x")] // 04755
    [TestCase(Ftype3.Nf3reg, 0x9A4u, "-rwSr--r--")] // 04644: setuid without execute
    [TestCase(Ftype3.Nf3dir, 0x3FFu, "drwxrwxrwt")] // 01777
    [TestCase(Ftype3.Nf3dir, 0x5EDu, "drwxr-sr-x")] // 02755
    [TestCase(Ftype3.Nf3fifo, 0x180u, "prw-------")]
    [TestCase(Ftype3.Nf3chr, 0x1B6u, "crw-rw-rw-")]
    [TestCase(Ftype3.Nf3blk, 0x1B0u, "brw-rw----")]
    [TestCase(Ftype3.Nf3sock, 0x1EDu, "srwxr-xr-x")]
    public void Mode_strings_read_as_ls_shows_them(Ftype3 type, uint mode, string text)
    {
        Assert.That(FileModeText.Format(type, mode), Is.EqualTo(text));
    }

    [Test]
    public void Long_listing_aligns_columns_and_shows_link_targets()
    {
        var now = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var recent = new Nfstime3 { Seconds = (uint)new DateTimeOffset(2025, 5, 3, 14, 7, 0, TimeSpan.Zero).ToUnixTimeSeconds() };
        var old = new Nfstime3 { Seconds = (uint)new DateTimeOffset(2023, 12, 24, 9, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds() };
        var rows = new[]
        {
            new ListingRow("big.bin", new Fattr3 { Type = Ftype3.Nf3reg, Mode = 0x1A4, Nlink = 1, Uid = 1000, Gid = 100, Size = 209715200, Mtime = recent }),
            new ListingRow("dir", new Fattr3 { Type = Ftype3.Nf3dir, Mode = 0x1ED, Nlink = 12, Uid = 0, Gid = 0, Size = 4096, Mtime = old }),
            new ListingRow("link", new Fattr3 { Type = Ftype3.Nf3lnk, Mode = 0x1FF, Nlink = 1, Uid = 0, Gid = 0, Size = 7, Mtime = recent }, "big.bin"),
        };
        Assert.That(LongListing.Format(rows, now).ToArray(), Is.EqualTo(new[]
        {
            "-rw-r--r--  1 1000 100 209715200 May  3 14:07 big.bin",
            "drwxr-xr-x 12 0    0        4096 Dec 24  2023 dir",
            "lrwxrwxrwx  1 0    0           7 May  3 14:07 link -> big.bin",
        }));
    }

    [Test]
    public void Full_times_keep_nanoseconds()
    {
        var time = new Nfstime3 { Seconds = 1700000000, Nseconds = 123456789 };
        Assert.That(NfsTime.Full(time), Is.EqualTo("2023-11-14 22:13:20.123456789 +0000"));
    }

    [Test]
    public void Stat_shows_every_attribute()
    {
        var attributes = new Fattr3 { Type = Ftype3.Nf3reg, Mode = 0x1A4, Nlink = 2, Uid = 5, Gid = 6, Size = 10, Used = 4096, Fileid = 77, Fsid = 0xabc };
        string text = string.Join('\n', StatCommand.Format("/export/f", attributes, null));
        Assert.That(text, Does.Contain("File: /export/f").And.Contain("Size: 10").And.Contain("regular file")
            .And.Contain("(0644/-rw-r--r--)").And.Contain("Uid: 5").And.Contain("Gid: 6").And.Contain("Links: 2").And.Contain("Fileid: 77").And.Contain("Fsid: 0xabc"));
    }

    [Test]
    public void Df_shows_sizes_use_and_file_counts()
    {
        var stats = new Fsstat3Resok { Tbytes = 1000, Fbytes = 250, Abytes = 200, Tfiles = 100, Ffiles = 90, Afiles = 90 };
        var lines = DfCommand.Format("nfs://h/export", stats, human: false).ToArray();
        Assert.That(lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "Filesystem", "Size", "Used", "Avail", "Use%", "Files", "FUsed", "FFree" }));
        Assert.That(lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "nfs://h/export", "1000", "750", "200", "75%", "100", "10", "90" }));
    }
}
