using System.Diagnostics.CodeAnalysis;
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

    [Test]
    public void Create_without_search_permission_is_access_and_never_looks_the_name_up()
    {
        var directory = File(0x1C0, uid: 0, gid: 0) with { Type = FileType.Directory }; // 0700, root's

        var status = PosixRules.CheckCreate(
            directory, "a"u8, StoreStatus.Ok, Alice, new MustNotBeAsked(), FileType.Regular, SetAttributes.None, new FileClock(), out string? existing, out _, out _);

        Assert.That((status, existing), Is.EqualTo((StoreStatus.Access, (string?)null)));
    }

    [Test]
    public void Create_of_a_taken_name_is_exist_even_without_modify_permission()
    {
        var directory = File(0x1C1, uid: 0, gid: 0) with { Type = FileType.Directory }; // 0701: others may search only

        var taken = PosixRules.CheckCreate(
            directory, "a"u8, StoreStatus.Ok, Alice, new Names("a"), FileType.Regular, SetAttributes.None, new FileClock(), out string? existing, out _, out _);
        var free = PosixRules.CheckCreate(
            directory, "b"u8, StoreStatus.Ok, Alice, new Names("a"), FileType.Regular, SetAttributes.None, new FileClock(), out string? none, out _, out _);

        Assert.That((taken, existing), Is.EqualTo((StoreStatus.Exist, (string?)"a")));
        Assert.That((free, none), Is.EqualTo((StoreStatus.Access, (string?)null)));
    }

    /// <summary>A directory holding the given names, for <see cref="PosixRules.CheckCreate"/>.</summary>
    private readonly struct Names(params string[] names) : PosixRules.IEntryLookup<string>
    {
        public bool TryFind(ReadOnlySpan<byte> name, [MaybeNullWhen(false)] out string entry)
        {
            var wanted = System.Text.Encoding.UTF8.GetString(name);
            entry = names.FirstOrDefault(n => n == wanted);
            return entry is not null;
        }
    }

    /// <summary>A lookup that fails the test if <see cref="PosixRules.CheckCreate"/> asks it.</summary>
    private readonly struct MustNotBeAsked : PosixRules.IEntryLookup<string>
    {
        public bool TryFind(ReadOnlySpan<byte> name, [MaybeNullWhen(false)] out string entry) =>
            throw new AssertionException("the name was looked up without search permission");
    }
}
