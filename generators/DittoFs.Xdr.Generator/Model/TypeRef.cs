namespace DittoFs.Xdr.Generator.Model;

internal enum PrimitiveKind { Int32, UInt32, Int64, UInt64, Bool, Single, Double }

internal enum NamedKind { Struct, Union, Enum }

/// <summary>
/// A resolved type: one record per XDR construct, each carrying only what that construct has. The hierarchy
/// is closed (only the nested records can call the private constructor), so a switch naming every record is
/// complete; its default arm throws <see cref="Unhandled"/> and is reached only by a record added without
/// updating that switch.
/// </summary>
internal abstract record TypeRef
{
    /// <summary>The bound of a variable-length type written <c>&lt;&gt;</c>: the largest XDR length.</summary>
    public const long Unbounded = uint.MaxValue;

    private TypeRef() { }

    /// <summary>int, unsigned int, hyper, unsigned hyper, bool, float or double (RFC 4506 §4.1–§4.7).</summary>
    public sealed record Primitive(PrimitiveKind Kind) : TypeRef;

    /// <summary>A struct, union or enum, by its C# name; <see cref="WireName"/> is its name in the .x file.</summary>
    public sealed record Named(string Name, string WireName, NamedKind Kind) : TypeRef;

    /// <summary>
    /// A typedef of a primitive, an opaque or a string (<c>typedef uint64 cookie3</c>), generated as a struct named
    /// after it that wraps <see cref="Target"/> and converts to and from it (<see cref="Aliases"/>).
    /// </summary>
    public sealed record Alias(string Name, string WireName, TypeRef Target) : TypeRef;

    /// <summary><c>opaque x[n]</c> (RFC 4506 §4.9).</summary>
    public sealed record FixedOpaque(long Length) : TypeRef
    {
        /// <summary>The capacity of the inline type holding it, or null if it is a slice of the buffer (<see cref="InlineOpaques"/>).</summary>
        public int? InlineCapacity => InlineOpaques.CapacityFor(Length);
    }

    /// <summary><c>opaque x&lt;n&gt;</c> (RFC 4506 §4.10).</summary>
    public sealed record VariableOpaque(long Bound) : TypeRef
    {
        /// <summary>The capacity of the inline type holding it, or null if it is a slice of the buffer (<see cref="InlineOpaques"/>).</summary>
        public int? InlineCapacity => InlineOpaques.CapacityFor(Bound);
    }

    /// <summary><c>string x&lt;n&gt;</c> (RFC 4506 §4.11); kept as bytes like opaque, since file names need not be UTF-8.</summary>
    public sealed record String(long Bound) : TypeRef;

    /// <summary><c>T x[n]</c> (RFC 4506 §4.12).</summary>
    public sealed record FixedArray(TypeRef Element, long Length) : TypeRef;

    /// <summary><c>T x&lt;n&gt;</c> (RFC 4506 §4.13).</summary>
    public sealed record VariableArray(TypeRef Element, long Bound) : TypeRef;

    /// <summary>
    /// A pointer to a self-linked struct (RFC 4506 §4.19): nodes each preceded by TRUE, then FALSE. <see cref="Node"/>
    /// is the struct without its link, read and written in a loop.
    /// </summary>
    public sealed record LinkedList(Named Node) : TypeRef;

    /// <summary><c>T *x</c>, optional data (RFC 4506 §4.19).</summary>
    public sealed record Optional(TypeRef Target) : TypeRef;

    /// <summary>
    /// The encoded size of a scalar, the same for every value and known from the type alone: 4 or 8 bytes for a
    /// primitive, the padded length of a fixed opaque, 4 for an enum. Null for every other type; which of those
    /// have a constant size needs the definitions they hold, and is worked out over the model (<see cref="FixedSizes"/>).
    /// </summary>
    public int? ScalarSize => this switch
    {
        Primitive { Kind: PrimitiveKind.Int64 or PrimitiveKind.UInt64 or PrimitiveKind.Double } => 8,
        Primitive => 4,
        FixedOpaque opaque => checked((int)((opaque.Length + 3) & ~3L)), // the resolver keeps the padded length an int
        Named { Kind: NamedKind.Enum } => EnumModel.FixedSize,
        Alias alias => alias.Target.ScalarSize,
        Named or VariableOpaque or String or FixedArray or VariableArray or LinkedList or Optional => null,
        _ => throw Unhandled(this),
    };

    /// <summary>The exception of a switch over types that met a record it does not name.</summary>
    public static System.InvalidOperationException Unhandled(TypeRef type) =>
        new($"No case for {type.GetType().Name} ({type})");
}
