namespace DittoFs.Xdr;

/// <summary>Encoded sizes of the XDR building blocks, used by the generated SizeOf methods.</summary>
public static class XdrSize
{
    /// <summary>A length rounded up to the XDR unit of four bytes.</summary>
    public static int Pad(int length) => (length + 3) & ~3;

    /// <summary>Variable-length opaque or string: length word plus padded bytes.</summary>
    public static int Opaque(int length) => 4 + Pad(length);
}
