using System.Globalization;
using System.Text;
using DittoFs.Storage.S3.Remote;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Remote;

public sealed class ObjectLayoutTests
{
    private static readonly ContentId Content = new(new UInt128(1, 0xAB));
    private readonly ObjectLayout _layout = new("share/");

    [Test]
    public void Keys_are_the_prefix_the_content_id_and_the_block_index_or_length()
    {
        Assert.That(_layout.BlockKey(Content, 0x1F), Is.EqualTo("share/000000000000000100000000000000ab/000000000000001f"));
        Assert.That(_layout.LengthKey(Content), Is.EqualTo("share/000000000000000100000000000000ab/length"));
        Assert.That(_layout.ContentPrefix(Content), Is.EqualTo("share/000000000000000100000000000000ab/"));
    }

    [Test]
    public void Block_keys_sort_in_block_order()
    {
        ulong[] indexes = [0, 9, 10, 255, 256, 1UL << 40];

        var keys = indexes.Select(index => _layout.BlockKey(Content, index)).ToList();

        Assert.That(keys, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
    }

    [Test]
    public void A_listed_block_key_gives_back_its_index_and_the_length_key_none()
    {
        int prefixLength = _layout.ContentPrefix(Content).Length;

        Assert.That(ObjectLayout.TryParseBlockIndex(_layout.BlockKey(Content, 12345), prefixLength, out var index), Is.True);
        Assert.That(index, Is.EqualTo(12345UL));
        Assert.That(ObjectLayout.TryParseBlockIndex(_layout.LengthKey(Content), prefixLength, out _), Is.False);
    }

    [Test]
    public void A_listed_key_of_the_layout_gives_back_its_content_and_block_index()
    {
        Assert.That(_layout.TryParseKey(_layout.BlockKey(Content, 0x1F), out var content, out var index), Is.True);
        Assert.That((content, index), Is.EqualTo((Content, (ulong?)0x1F)));
        Assert.That(_layout.TryParseKey(_layout.LengthKey(Content), out content, out index), Is.True);
        Assert.That((content, index), Is.EqualTo((Content, (ulong?)null)));
    }

    [TestCase("share/000000000000000100000000000000ab", TestName = "the content id alone")]
    [TestCase("share/000000000000000100000000000000ab/", TestName = "an empty object name")]
    [TestCase("share/000000000000000100000000000000ab/length.bak", TestName = "another name than length")]
    [TestCase("share/000000000000000100000000000000ab/000000000000001F", TestName = "an upper-case block index")]
    [TestCase("share/000000000000000100000000000000ab/00000000000001f", TestName = "a block index of 15 digits")]
    [TestCase("share/000000000000000100000000000000ab/0000000000000001f", TestName = "a block index of 17 digits")]
    [TestCase("share/000000000000000100000000000000ab/0x0000000000001f", TestName = "a block index with a 0x")]
    [TestCase("share/000000000000000100000000000000AB/length", TestName = "an upper-case content id")]
    [TestCase("share/00000000000000100000000000000ab/length", TestName = "a content id of 31 digits")]
    [TestCase("share/0000000000000000100000000000000ab/length", TestName = "a content id of 33 digits")]
    [TestCase("share/00000000000000000000000000000000/length", TestName = "the none content id")]
    [TestCase("share/000000000000000100000000000000ab/x/length", TestName = "a deeper key")]
    [TestCase("other/000000000000000100000000000000ab/length", TestName = "another prefix")]
    public void A_key_the_layout_never_writes_is_not_content(string key)
    {
        Assert.That(_layout.TryParseKey(key, out _, out _), Is.False);
    }

    /// <summary>Truncation deletes the blocks this parser names: a foreign object under a content's prefix is not one.</summary>
    [TestCase("000000000000001F", TestName = "Truncation's parser refuses an upper-case block index")]
    [TestCase("00000000000001f", TestName = "Truncation's parser refuses a block index of 15 digits")]
    [TestCase("0x0000000000001f", TestName = "Truncation's parser refuses a block index with a 0x")]
    [TestCase("+00000000000001f", TestName = "Truncation's parser refuses a block index with a sign")]
    public void Truncation_takes_only_block_names_the_layout_writes(string name)
    {
        string prefix = _layout.ContentPrefix(Content);

        Assert.That(ObjectLayout.TryParseBlockIndex(prefix + name, prefix.Length, out _), Is.False);
    }

    [Test]
    public void Lengths_are_stored_as_decimal_text()
    {
        var text = ObjectLayout.EncodeLength(ulong.MaxValue, trimming: false);

        Assert.That(text, Is.EqualTo("18446744073709551615"u8.ToArray()));
        Assert.That(ObjectLayout.TryParseLength(text, out var length, out var trimming), Is.True);
        Assert.That(length, Is.EqualTo(ulong.MaxValue));
        Assert.That(trimming, Is.False);
        Assert.That(ObjectLayout.TryParseLength("12a"u8, out _, out _), Is.False);
    }

    [Test]
    public void A_length_left_with_remote_bytes_past_it_is_marked_trimming_and_the_longest_fits_the_bound()
    {
        var text = ObjectLayout.EncodeLength(ulong.MaxValue, trimming: true);

        Assert.That(text, Is.EqualTo("18446744073709551615 trimming"u8.ToArray()));
        Assert.That(text, Has.Length.EqualTo(ObjectLayout.MaxLengthObjectBytes));
        Assert.That(ObjectLayout.TryParseLength(text, out var length, out var trimming), Is.True);
        Assert.That(length, Is.EqualTo(ulong.MaxValue));
        Assert.That(trimming, Is.True);
    }

    [TestCase("0", TestName = "A length object written before the trimming mark existed reads as clean")]
    [TestCase("102400", TestName = "A length object written before the trimming mark existed reads as clean, not zero")]
    public void Length_objects_without_the_mark_are_clean(string stored)
    {
        Assert.That(ObjectLayout.TryParseLength(Encoding.ASCII.GetBytes(stored), out var length, out var trimming), Is.True);

        Assert.That(length, Is.EqualTo(ulong.Parse(stored, CultureInfo.InvariantCulture)));
        Assert.That(trimming, Is.False);
    }

    [TestCase(" trimming", TestName = "The trimming mark alone is no length")]
    [TestCase("12 trimming trimming", TestName = "A doubled trimming mark is no length")]
    [TestCase("12trimming", TestName = "The trimming mark needs its space")]
    public void Malformed_marked_lengths_are_refused(string stored)
    {
        Assert.That(ObjectLayout.TryParseLength(Encoding.ASCII.GetBytes(stored), out _, out _), Is.False);
    }
}
