using System;
using System.Collections.Generic;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// Types rpcgen leaves external: a name no .x file defines becomes a call of <c>xdr_&lt;name&gt;</c>, and the
/// C library (glibc/libtirpc rpc/xdr.h) defines these. Each maps to what that routine puts on the wire.
/// A definition in the .x files wins over these (they are only looked up for undeclared names).
/// </summary>
internal static class ExternalTypes
{
    /// <summary>MAX_NETOBJ_SZ in rpc/xdr.h: the bound xdr_netobj enforces.</summary>
    public const long NetobjBound = 1024;

    private static readonly Dictionary<string, TypeRef> Types = new(StringComparer.Ordinal)
    {
        // Every integer narrower than 64 bits travels as a 4-byte int (RFC 4506 §4.1; xdr_char, xdr_short,
        // xdr_u_char ... all go through xdr_long/xdr_int). Decoding does not range-check, as glibc truncates.
        ["u_int"] = Primitive(PrimitiveKind.UInt32),
        ["u_long"] = Primitive(PrimitiveKind.UInt32),
        ["u_short"] = Primitive(PrimitiveKind.UInt32),
        ["u_char"] = Primitive(PrimitiveKind.UInt32),
        ["int8_t"] = Primitive(PrimitiveKind.Int32),
        ["int16_t"] = Primitive(PrimitiveKind.Int32),
        ["int32_t"] = Primitive(PrimitiveKind.Int32),
        ["uint8_t"] = Primitive(PrimitiveKind.UInt32),
        ["uint16_t"] = Primitive(PrimitiveKind.UInt32),
        ["uint32_t"] = Primitive(PrimitiveKind.UInt32),
        ["u_int8_t"] = Primitive(PrimitiveKind.UInt32),
        ["u_int16_t"] = Primitive(PrimitiveKind.UInt32),
        ["u_int32_t"] = Primitive(PrimitiveKind.UInt32),
        ["enum_t"] = Primitive(PrimitiveKind.Int32),
        ["int64_t"] = Primitive(PrimitiveKind.Int64),
        ["quad_t"] = Primitive(PrimitiveKind.Int64),
        ["uint64_t"] = Primitive(PrimitiveKind.UInt64),
        ["u_int64_t"] = Primitive(PrimitiveKind.UInt64),
        ["u_quad_t"] = Primitive(PrimitiveKind.UInt64),
        ["bool_t"] = Primitive(PrimitiveKind.Bool),
        // struct netobj { u_int n_len; char *n_bytes; }, coded by xdr_netobj as opaque<MAX_NETOBJ_SZ>.
        ["netobj"] = new TypeRef.VariableOpaque(NetobjBound),
        // xdr_wrapstring: a string of any length (rpcgen's wrapper for string<>).
        ["wrapstring"] = new TypeRef.String(TypeRef.Unbounded),
        // rpc/auth.h: union des_block { struct { u_int32 high, low; } key; char c[8]; }, coded by xdr_des_block as opaque[8].
        ["des_block"] = new TypeRef.FixedOpaque(8),
    };

    /// <summary>Constants of the RPC headers that .x files use without defining.</summary>
    private static readonly Dictionary<string, long> ConstantValues = new(StringComparer.Ordinal)
    {
        ["MAXNETNAMELEN"] = 255, // rpc/auth.h (rpc/auth_des.h): the longest netname
        ["MAX_NETOBJ_SZ"] = NetobjBound, // rpc/xdr.h
    };

    public static long? Constant(string name) => ConstantValues.TryGetValue(name, out long value) ? value : null;

    /// <summary>The names built in, for documentation and tests.</summary>
    public static IEnumerable<string> Names => Types.Keys;

    public static TypeRef? Find(string name) => Types.TryGetValue(name, out var type) ? type : null;

    private static TypeRef Primitive(PrimitiveKind kind) => new TypeRef.Primitive(kind);
}
