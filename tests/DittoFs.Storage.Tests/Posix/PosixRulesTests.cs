using System.Net;
using NUnit.Framework;

namespace DittoFs.Storage.Tests.Posix;

/// <summary>Rules the store suites reach only indirectly.</summary>
[TestFixture]
public sealed class PosixRulesTests
{
    private static readonly AuthContext Alice = new(IPAddress.Loopback, AuthFlavor.Sys, 1000, 1000, []);

    private static InodeAttributes File(uint mode, uint uid = 1000, uint gid = 1000) =>
        new() { Type = FileType.Regular, Mode = mode, Uid = uid, Gid = gid, LinkCount = 1 };

    [TestCase(new byte[] { (byte)'a' }, StoreStatus.Ok)]
    [TestCase(new byte[] { 0xFF, 0xFE }, StoreStatus.Ok)]
    [TestCase(new byte[] { (byte)'.' }, StoreStatus.Ok)]
    [TestCase(new byte[0], StoreStatus.Inval)]
    [TestCase(new byte[] { (byte)'a', 0 }, StoreStatus.Inval)]
    [TestCase(new byte[] { (byte)'/' }, StoreStatus.Inval)]
    public void Name_syntax(byte[] name, StoreStatus expected)
    {
        Assert.That(PosixRules.CheckNameSyntax(name), Is.EqualTo(expected));
    }

    [Test]
    public void A_symlink_target_may_not_contain_nul()
    {
        Assert.That(PosixRules.CheckSymlinkTarget("a\0b"u8), Is.EqualTo(StoreStatus.Inval));
    }

    [Test]
    public void Chmod_ignores_the_mode_of_a_symlink()
    {
        var link = File(0x1FF) with { Type = FileType.Symlink };

        var status = PosixRules.ApplySetAttributes(link, new SetAttributes { Mode = 0x180 }, Alice, new FileTime(5, 0), out var after);

        Assert.That(status, Is.EqualTo(StoreStatus.Ok));
        Assert.That(after.Mode, Is.EqualTo(0x1FF));
    }

    [Test]
    public void A_size_change_with_an_explicit_mtime_keeps_that_mtime()
    {
        var mtime = new FileTime(100, 0);
        var changes = new SetAttributes { Size = 10, ModifyTime = TimeChange.ToClientTime(mtime) };

        PosixRules.ApplySetAttributes(File(0x1A4), changes, Alice, new FileTime(500, 0), out var after);

        Assert.That(after.ModifyTime, Is.EqualTo(mtime));
    }

    [Test]
    public void A_write_range_that_overflows_is_fbig()
    {
        Assert.That(PosixRules.CheckWriteRange(ulong.MaxValue - 1, 10), Is.EqualTo(StoreStatus.FBig));
    }

    [Test]
    public void Replacing_an_empty_directory_with_a_directory_is_allowed()
    {
        var directory = new InodeAttributes { Type = FileType.Directory };

        Assert.That(PosixRules.CheckReplace(directory, directory, targetIsEmpty: true), Is.EqualTo(StoreStatus.Ok));
    }
}
