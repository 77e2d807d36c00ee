using System.Runtime.CompilerServices;

namespace DittoFs.Xdr;

/// <summary>
/// Which opaques are held inline. A fixed <c>opaque x[N]</c> or bounded <c>opaque x&lt;N&gt;</c> with
/// N ≤ <see cref="MaxLength"/> (file handles, verifiers) is generated as an <see cref="InlineOpaque{TBytes}"/>, a value
/// holding its bytes, so a reply can carry a handle it built without memory that must outlive the call; longer or
/// unbounded opaques, and strings, stay slices of the receive buffer (<see cref="ReadOnlyMemory{T}"/>), since copying
/// them would cost and holding them inline would make every struct that holds them large.
/// </summary>
/// <remarks>
/// Three capacities, each for opaques the protocols carry in nearly every call: 8 (<see cref="InlineBytes8"/>) for the
/// verifiers (NFS3 cookie, create and write verifiers, NFSv4's verifier4), 16 (<see cref="InlineBytes16"/>) for NFSv4's
/// stateid (12 bytes) and session id (16), 64 (<see cref="InlineBytes64"/>) for every other bound up to NFS3_FHSIZE,
/// the largest v3 file handle. Each keeps the structs that hold one small (a stateid is 24 bytes, not 72). Adding a
/// capacity is a storage type here and its number in the generator's list.
/// </remarks>
public static class InlineOpaques
{
    /// <summary>The largest bound (or fixed length) stored inline: NFS3_FHSIZE, the largest file handle.</summary>
    public const int MaxLength = 64;
}

/// <summary>The storage of an <see cref="InlineOpaque{TBytes}"/>: an inline array of <see cref="Capacity"/> bytes.</summary>
public interface IInlineBytes
{
    static abstract int Capacity { get; }
}

/// <summary>8 bytes: verifiers.</summary>
[InlineArray(8)]
public struct InlineBytes8 : IInlineBytes
{
    private byte _first;

    public static int Capacity => 8;
}

/// <summary>16 bytes: NFSv4 stateids and session ids.</summary>
[InlineArray(16)]
public struct InlineBytes16 : IInlineBytes
{
    private byte _first;

    public static int Capacity => 16;
}

/// <summary>64 bytes: file handles.</summary>
[InlineArray(InlineOpaques.MaxLength)]
public struct InlineBytes64 : IInlineBytes
{
    private byte _first;

    public static int Capacity => InlineOpaques.MaxLength;
}
