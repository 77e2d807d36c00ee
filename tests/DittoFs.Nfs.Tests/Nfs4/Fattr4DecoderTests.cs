using DittoFs.Protocol;
using DittoFs.Storage;

namespace DittoFs.Nfs.Tests.Nfs4;

/// <summary>
/// The fattr4 decoder on its own, against well-formed and malformed attrlists: RFC 7530 §5 (attributes and their
/// types), §5.5 (set-only and get-only), §5.9 (owner strings), §16.32 (SETATTR), §16.35 (VERIFY).
/// </summary>
public sealed class Fattr4DecoderTests
{
    private const int Type = 1, Size = 4, RdattrError = 11, Acl = 12, Mode = 33, Owner = 36, OwnerGroup = 37, TimeAccessSet = 48, TimeModifySet = 54, TimeModify = 53;

    private static Nfsstat4 Decode(Fattr4 attributes, out SetAttributes changes, out uint[] set, uint minorVersion = 1) =>
        Fattr4Decoder.DecodeSettable(attributes, minorVersion, out changes, out set);

    private static Nfsstat4 Decode(Fattr4 attributes) => Decode(attributes, out _, out _);

    [Test]
    public void Every_settable_attribute_decodes_in_bit_order_and_the_mask_is_exactly_theirs()
    {
        var attributes = new Fattr4Writer().UInt64(Size, 42).UInt32(Mode, 0x1A4).String(Owner, "1000").String(OwnerGroup, "100@example.com")
            .ClientTime(TimeAccessSet, 1_700_000_000, 5).ServerTime(TimeModifySet);
        Assert.That(Decode(attributes, out var changes, out var set), Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.Multiple(() =>
        {
            Assert.That(changes.Size, Is.EqualTo(42UL));
            Assert.That(changes.Mode, Is.EqualTo(0x1A4u));
            Assert.That(changes.Uid, Is.EqualTo(1000u));
            Assert.That(changes.Gid, Is.EqualTo(100u), "number@domain names the number");
            Assert.That(changes.AccessTime, Is.EqualTo(TimeChange.ToClientTime(new FileTime(1_700_000_000, 5))));
            Assert.That(changes.ModifyTime, Is.EqualTo(TimeChange.ServerTime));
            Assert.That(set, Is.EqualTo(Fattr4Reader.Mask(Size, Mode, Owner, OwnerGroup, TimeAccessSet, TimeModifySet)));
        });
    }

    [Test]
    public void An_empty_fattr4_sets_nothing()
    {
        Assert.That(Decode(new Fattr4Writer(), out var changes, out var set), Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That(changes.IsEmpty && set.Length == 0, Is.True);
    }

    [Test]
    public void Trailing_zero_words_of_the_bitmap_change_nothing()
    {
        var attributes = new Fattr4 { Attrmask = new uint[] { 0, 1u << (Mode - 32), 0, 0 }, AttrVals = Fattr4Writer.Big(0x1EDu) };
        Assert.That(Decode(attributes, out var changes, out var set), Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That(changes.Mode, Is.EqualTo(0x1EDu));
        Assert.That(set, Is.EqualTo(Fattr4Reader.Mask(Mode)));
    }

    [TestCase(-4, TestName = "an attrlist 4 bytes short")]
    [TestCase(-1, TestName = "an attrlist 1 byte short")]
    [TestCase(4, TestName = "4 bytes after the last value")]
    [TestCase(1, TestName = "1 byte after the last value")]
    public void An_attrlist_that_is_not_exactly_its_bitmaps_values_is_BADXDR(int extraBytes)
    {
        // RFC 7530 §5.1/§16.32: the values follow the bitmap exactly; anything else is not the XDR of a fattr4.
        var attributes = new Fattr4Writer().UInt32(Mode, 0x1A4).UInt64(Size, 1).Build(extraBytes);
        Assert.That(Decode(attributes), Is.EqualTo(Nfsstat4.Nfs4errBadxdr));
    }

    [Test]
    public void A_bit_with_no_value_at_all_is_BADXDR()
    {
        var attributes = new Fattr4 { Attrmask = Fattr4Reader.Mask(Size), AttrVals = Array.Empty<byte>() };
        Assert.That(Decode(attributes), Is.EqualTo(Nfsstat4.Nfs4errBadxdr));
    }

    [Test]
    public void An_owner_longer_than_the_attrlist_is_BADXDR()
    {
        var attributes = new Fattr4Writer().Raw(Owner, [.. Fattr4Writer.Big(100u), (byte)'1', 0, 0, 0]);
        Assert.That(Decode(attributes), Is.EqualTo(Nfsstat4.Nfs4errBadxdr));
    }

    [TestCase(Acl, Nfsstat4.Nfs4errAttrnotsupp, TestName = "acl: settable in the RFC, not served: ATTRNOTSUPP")]
    [TestCase(100, Nfsstat4.Nfs4errAttrnotsupp, TestName = "an attribute no RFC defines: ATTRNOTSUPP")]
    [TestCase(Type, Nfsstat4.Nfs4errInval, TestName = "type: get-only: INVAL")]
    [TestCase(TimeModify, Nfsstat4.Nfs4errInval, TestName = "time_modify: get-only (time_modify_set sets it): INVAL")]
    public void A_bit_that_cannot_be_set_is_refused_before_the_values_are_read(int attribute, Nfsstat4 expected)
    {
        // RFC 7530 §16.32.5 (ATTRNOTSUPP for an attribute not supported), §5.5 (INVAL for setting a get-only one).
        var attributes = new Fattr4Writer().UInt32(Mode, 0x1A4).Raw(attribute, 0, 0, 0, 0);
        Assert.That(Decode(attributes), Is.EqualTo(expected));
    }

    [TestCase("root")]
    [TestCase("nobody@example.com")]
    [TestCase("")]
    [TestCase("@example.com")]
    [TestCase("12@")]
    [TestCase("-1")]
    [TestCase("4294967296")]
    [TestCase("1 2")]
    public void An_owner_that_is_not_a_number_is_BADOWNER(string owner)
    {
        // RFC 7530 §5.9: a server that cannot map an owner string answers NFS4ERR_BADOWNER; this one maps numbers only.
        Assert.Multiple(() =>
        {
            Assert.That(Decode(new Fattr4Writer().String(Owner, owner)), Is.EqualTo(Nfsstat4.Nfs4errBadowner));
            Assert.That(Decode(new Fattr4Writer().String(OwnerGroup, owner)), Is.EqualTo(Nfsstat4.Nfs4errBadowner));
        });
    }

    [Test]
    public void A_refused_value_before_others_is_its_own_error_and_still_BADXDR_when_the_attrlist_is_malformed()
    {
        var badOwnerFirst = new Fattr4Writer().String(Owner, "alice").String(OwnerGroup, "1").ClientTime(TimeModifySet, 1, 0);
        Assert.That(Decode(badOwnerFirst), Is.EqualTo(Nfsstat4.Nfs4errBadowner));
        Assert.That(Decode(badOwnerFirst.Build(4)), Is.EqualTo(Nfsstat4.Nfs4errBadxdr));
        var badTimeFirst = new Fattr4Writer().ClientTime(TimeAccessSet, 1, 2_000_000_000).ServerTime(TimeModifySet);
        Assert.That(Decode(badTimeFirst), Is.EqualTo(Nfsstat4.Nfs4errInval));
    }

    [TestCase("0", 0u)]
    [TestCase("4294967295", uint.MaxValue)]
    [TestCase("65534@localdomain", 65534u)]
    public void A_numeric_owner_is_its_number(string owner, uint expected)
    {
        Assert.That(Decode(new Fattr4Writer().String(Owner, owner), out var changes, out _), Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That(changes.Uid, Is.EqualTo(expected));
    }

    [Test]
    public void A_settime4_discriminant_that_is_neither_arm_is_BADXDR()
    {
        var attributes = new Fattr4Writer().Raw(TimeModifySet, [.. Fattr4Writer.Big(2u), .. Fattr4Writer.Big(1UL), .. Fattr4Writer.Big(0u)]);
        Assert.That(Decode(attributes), Is.EqualTo(Nfsstat4.Nfs4errBadxdr));
    }

    [Test]
    public void A_client_time_past_999999999_nanoseconds_is_INVAL()
    {
        // RFC 7530 §2.2 (nfstime4): nseconds is below 10^9.
        Assert.That(Decode(new Fattr4Writer().ClientTime(TimeModifySet, 1, 1_000_000_000)), Is.EqualTo(Nfsstat4.Nfs4errInval));
    }

    [Test]
    public void A_short_client_time_is_BADXDR_even_when_its_nanoseconds_would_be_bad()
    {
        var attributes = new Fattr4Writer().Raw(TimeAccessSet, [.. Fattr4Writer.Big(1u), .. Fattr4Writer.Big(1UL)]);
        Assert.That(Decode(attributes), Is.EqualTo(Nfsstat4.Nfs4errBadxdr));
    }

    private static Fattr4 Current(uint[] mask) => Fattr4Encoder.Encode(mask, Object, 1, new NfsServerOptions(), new CallScratch());

    private static readonly Nfs4Object Object = new(
        new InodeAttributes { Type = FileType.Regular, Mode = 0x1A4, Size = 7, Uid = 1000, Gid = 100, FileId = 9, LinkCount = 1 },
        new Fsid4 { Major = 1, Minor = 0 }, new byte[] { 1, 2, 3 }, 9);

    [Test]
    public void Compare_finds_equal_values_equal_and_owners_by_number()
    {
        var given = new Fattr4Writer().UInt32(Type, 1).UInt64(Size, 7).UInt32(Mode, 0x1A4).String(Owner, "1000@example.com").String(OwnerGroup, "100");
        Assert.That(Fattr4Decoder.Compare(given, 1, Current, out bool same), Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That(same, Is.True);
    }

    [Test]
    public void Compare_finds_one_different_value_different()
    {
        var given = new Fattr4Writer().UInt64(Size, 7).UInt32(Mode, 0x1FF);
        Assert.That(Fattr4Decoder.Compare(given, 1, Current, out bool same), Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That(same, Is.False);
    }

    [Test]
    public void Compare_reads_a_malformed_attrlist_as_BADXDR_even_after_a_difference()
    {
        var given = new Fattr4Writer().UInt64(Size, 8).UInt32(Mode, 0x1A4).Build(-2);
        Assert.That(Fattr4Decoder.Compare(given, 1, Current, out _), Is.EqualTo(Nfsstat4.Nfs4errBadxdr));
        Assert.That(Fattr4Decoder.Compare(new Fattr4Writer().UInt64(Size, 7).Build(4), 1, Current, out _), Is.EqualTo(Nfsstat4.Nfs4errBadxdr));
    }

    [TestCase(Acl, Nfsstat4.Nfs4errAttrnotsupp)]
    [TestCase(RdattrError, Nfsstat4.Nfs4errInval)]
    [TestCase(TimeModifySet, Nfsstat4.Nfs4errInval)]
    public void Compare_refuses_attributes_it_cannot_compare(int attribute, Nfsstat4 expected)
    {
        // RFC 7530 §16.35.5: ATTRNOTSUPP for an attribute not supported; INVAL for rdattr_error or a write-only one.
        Assert.That(Fattr4Decoder.Compare(new Fattr4Writer().Raw(attribute, 0, 0, 0, 0), 1, Current, out _), Is.EqualTo(expected));
    }
}
