using System;
using System.Collections.Generic;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>C# names the generated code needs for itself, so no name mapped from the .x files may take them.</summary>
internal static class ReservedNames
{
    /// <summary>
    /// Types the generated code names without qualification, from the namespaces it imports: a generated type
    /// of the same name would hide them and break the code around it.
    /// </summary>
    public static readonly HashSet<string> Types = new(StringComparer.Ordinal)
    {
        "ReadOnlyMemory", "ArgumentException", "CancellationToken", "ValueTask",
        "IXdrCodec", "XdrReader", "XdrWriter", "XdrError", "XdrList", "XdrSize", "XdrVoid", "XdrCodec",
        "InlineOpaque", "IInlineBytes", "InlineBytes8", "InlineBytes16", "InlineBytes64",
        "XdrDispatch", "XdrDispatchResult", "XdrBufferWriter", "IXdrProgram", "IXdrCallTransport",
        "XdrInt32Codec", "XdrUInt32Codec", "XdrInt64Codec", "XdrUInt64Codec", "XdrSingleCodec", "XdrDoubleCodec", "XdrBoolCodec",
    };

    /// <summary>Members a generated struct may have (its codec, its FixedSize) or inherits from object: fields get another name.</summary>
    public static readonly HashSet<string> Members = new(StringComparer.Ordinal)
    {
        "Read", "Write", "SizeOf", "FixedSize", "Equals", "GetHashCode", "ToString", "GetType", "MemberwiseClone", "Finalize",
    };
}
