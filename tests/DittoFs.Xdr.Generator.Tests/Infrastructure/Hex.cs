namespace DittoFs.Xdr.Generator.Tests.Infrastructure;

/// <summary>Bytes written as hex words, e.g. "00000001 FFFFFFFE", so expected encodings read like RFC 4506 figures.</summary>
public static class Hex
{
    public static byte[] Bytes(string hex) => Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));

    /// <summary>Groups of four bytes separated by spaces.</summary>
    public static string Words(byte[] bytes) =>
        string.Join(" ", bytes.Chunk(4).Select(Convert.ToHexString));

    /// <summary>Normalises a hex expectation to <see cref="Words"/> form for readable failure messages.</summary>
    public static string Normalize(string hex) => Words(Bytes(hex));
}
