namespace DittoFs.Xdr;

/// <summary>Why a decode failed. The first error of a reader is kept; the RPC layer answers GARBAGE_ARGS.</summary>
public enum XdrError
{
    None = 0,
    /// <summary>The message ended before the item did.</summary>
    Truncated,
    /// <summary>A variable-length opaque, string or array declared more than its bound (RFC 4506 §4.10-4.13).</summary>
    LengthExceedsBound,
    /// <summary>An enum value that the type does not declare (RFC 4506 §4.3).</summary>
    UnknownEnumValue,
    /// <summary>A union discriminant with no arm and no default (RFC 4506 §4.15).</summary>
    UnknownDiscriminant,
    /// <summary>A boolean that is neither 0 nor 1 (RFC 4506 §4.4).</summary>
    InvalidBoolean,
}

/// <summary>A decode failure with its reason and the byte offset where it was found.</summary>
public sealed class XdrDecodeException(XdrError error, int position)
    : Exception($"XDR decode failed: {error} at byte {position}")
{
    public XdrError Error { get; } = error;
    public int Position { get; } = position;
}
