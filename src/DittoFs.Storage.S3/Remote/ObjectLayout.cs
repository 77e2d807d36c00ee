using System.Buffers;
using System.Globalization;
using System.Text;

namespace DittoFs.Storage.S3.Remote;

/// <summary>
/// Where a content's bytes live in the bucket: <c>&lt;prefix&gt;&lt;content id&gt;/&lt;block index&gt;</c> per block
/// (16 hex digits, so a listing comes back in block order) and <c>&lt;prefix&gt;&lt;content id&gt;/length</c> holding
/// the content's length as decimal ASCII, followed by <c> trimming</c> while block objects may still hold bytes past
/// that length which are not content (a truncation committed, its removal of remote bytes not yet complete). A block
/// object holds the block's bytes up to the content's length when it was uploaded; bytes past its end, and blocks
/// with no object, read as zeros.
/// </summary>
internal sealed class ObjectLayout(string keyPrefix)
{
    private const string LengthName = "length";
    private const int IndexDigits = 16;
    private const int ContentDigits = 32;
    private static readonly SearchValues<char> LowerHexDigits = SearchValues.Create("0123456789abcdef");

    /// <summary>Longest length object: the 20 decimal digits of the largest ulong, then the trimming mark.</summary>
    public const int MaxLengthObjectBytes = 29;

    /// <summary>Every object of the store starts with this.</summary>
    public string KeyPrefix { get; } = keyPrefix;

    /// <summary>Every object of the content starts with this.</summary>
    public string ContentPrefix(ContentId content) => $"{KeyPrefix}{content}/";

    public string BlockKey(ContentId content, ulong index) => $"{KeyPrefix}{content}/{index:x16}";

    public string LengthKey(ContentId content) => $"{KeyPrefix}{content}/{LengthName}";

    /// <summary>
    /// The content a listed key belongs to, and its block index (null for the length object). False for any key
    /// this layout does not write, such as objects others put under the prefix: the id and the index must be spelt
    /// as the store spells them (lower-case hex, fixed width), so that the content found is the one whose keys
    /// <see cref="BlockKey"/> and <see cref="LengthKey"/> name, and deleting it removes exactly these objects.
    /// </summary>
    public bool TryParseKey(string key, out ContentId content, out ulong? blockIndex)
    {
        content = default;
        blockIndex = null;
        if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = key.AsSpan(KeyPrefix.Length);
        if (rest.Length <= ContentDigits || rest[ContentDigits] != '/' || !IsLowerHex(rest[..ContentDigits]))
        {
            return false;
        }
        var id = UInt128.Parse(rest[..ContentDigits], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        var name = rest[(ContentDigits + 1)..];
        if (id == UInt128.Zero)
        {
            return false; // ContentId.None: objects without content have no objects
        }
        if (TryParseIndex(name, out ulong index))
        {
            blockIndex = index;
        }
        else if (!name.SequenceEqual(LengthName))
        {
            return false;
        }
        content = new ContentId(id);
        return true;
    }

    /// <summary>
    /// The block index of a listed key under <see cref="ContentPrefix"/>; false for the length object and for any
    /// name <see cref="BlockKey"/> does not write, as in <see cref="TryParseKey"/>, so truncation deletes only blocks.
    /// </summary>
    public static bool TryParseBlockIndex(string key, int contentPrefixLength, out ulong index) =>
        TryParseIndex(key.AsSpan(contentPrefixLength), out index);

    /// <summary>A block name as <see cref="BlockKey"/> spells it: 16 lower-case hex digits.</summary>
    private static bool TryParseIndex(ReadOnlySpan<char> name, out ulong index)
    {
        index = 0;
        return name.Length == IndexDigits && IsLowerHex(name)
            && ulong.TryParse(name, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out index);
    }

    /// <summary>
    /// The length object's text. <paramref name="trimming"/>: block objects may hold bytes past
    /// <paramref name="length"/>; they are not content, and must be removed before the length is raised over them.
    /// </summary>
    public static byte[] EncodeLength(ulong length, bool trimming)
    {
        var digits = Encoding.ASCII.GetBytes(length.ToString(CultureInfo.InvariantCulture));
        return trimming ? [.. digits, .. TrimmingMark] : digits;
    }

    public static bool TryParseLength(ReadOnlySpan<byte> text, out ulong length, out bool trimming)
    {
        trimming = text.EndsWith(TrimmingMark);
        if (trimming)
        {
            text = text[..^TrimmingMark.Length];
        }
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out length);
    }

    // Written after the length while remote bytes past it are left over from a truncation. Length objects without it,
    // among them every one written before truncations committed through the length object, are clean.
    private static ReadOnlySpan<byte> TrimmingMark => " trimming"u8;

    private static bool IsLowerHex(ReadOnlySpan<char> digits) => !digits.ContainsAnyExcept(LowerHexDigits);
}
