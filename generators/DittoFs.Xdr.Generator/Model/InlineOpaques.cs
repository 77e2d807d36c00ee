namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// Which opaques are held inline, as values: a fixed <c>opaque x[N]</c> or bounded <c>opaque x&lt;N&gt;</c> with
/// N ≤ 64 (file handles, verifiers), in the runtime's InlineOpaque of the smallest storage that holds N.
/// Longer or unbounded opaques, and strings, stay slices of the receive buffer. Why these two capacities:
/// DittoFs.Xdr's InlineOpaques.
/// </summary>
internal static class InlineOpaques
{
    /// <summary>The capacities of the runtime's inline storage types (InlineBytes8, InlineBytes16, InlineBytes64), smallest first.</summary>
    private static readonly int[] Capacities = { 8, 16, 64 };

    /// <summary>The capacity of the inline type that holds up to <paramref name="length"/> bytes, or null if none does.</summary>
    public static int? CapacityFor(long length)
    {
        foreach (int capacity in Capacities)
            if (length <= capacity)
                return capacity;
        return null;
    }

    /// <summary>The runtime type of that capacity: generated code names it, so no .x name may take its names.</summary>
    public static string TypeName(int capacity) => "InlineOpaque<InlineBytes" + capacity.ToString(System.Globalization.CultureInfo.InvariantCulture) + ">";
}
