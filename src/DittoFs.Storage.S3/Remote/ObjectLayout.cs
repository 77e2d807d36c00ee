using System.Globalization;
using System.Text;

namespace DittoFs.Storage.S3.Remote;

/// <summary>
/// Where a content's bytes live in the bucket: <c>&lt;prefix&gt;&lt;content id&gt;/&lt;block index&gt;</c> per block
/// (16 hex digits, so a listing comes back in block order) and <c>&lt;prefix&gt;&lt;content id&gt;/length</c> holding
/// the content's length as decimal ASCII. A block object holds the block's bytes up to the content's length when it
/// was uploaded; bytes past its end, and blocks with no object, read as zeros.
/// </summary>
internal sealed class ObjectLayout(string keyPrefix)
{
    private const string LengthName = "length";
    private const int IndexDigits = 16;

    /// <summary>Longest length object: the decimal digits of the largest ulong.</summary>
    public const int MaxLengthObjectBytes = 20;

    /// <summary>Every object of the content starts with this.</summary>
    public string ContentPrefix(ContentId content) => $"{keyPrefix}{content}/";

    public string BlockKey(ContentId content, ulong index) => $"{keyPrefix}{content}/{index:x16}";

    public string LengthKey(ContentId content) => $"{keyPrefix}{content}/{LengthName}";

    /// <summary>The block index of a listed key under <see cref="ContentPrefix"/>; false for the length object.</summary>
    public static bool TryParseBlockIndex(string key, int contentPrefixLength, out ulong index)
    {
        index = 0;
        return key.Length == contentPrefixLength + IndexDigits
            && ulong.TryParse(key.AsSpan(contentPrefixLength), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out index);
    }

    public static byte[] EncodeLength(ulong length) => Encoding.ASCII.GetBytes(length.ToString(CultureInfo.InvariantCulture));

    public static bool TryParseLength(ReadOnlySpan<byte> text, out ulong length) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out length);
}
