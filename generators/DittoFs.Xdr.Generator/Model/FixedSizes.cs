using System;
using System.Collections.Generic;
using System.Linq;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// Which types encode to the same number of bytes whatever their value: primitives, enums and fixed opaques
/// (<see cref="TypeRef.ScalarSize"/>), fixed arrays of fixed-size elements, and structs of fixed-size fields.
/// Unions, variable-length types and optional data vary, and so does a self-linked list node, whose link is
/// part of its XDR encoding. A size that does not fit in an int (what SizeOf returns) counts as varying.
/// </summary>
internal sealed class FixedSizes
{
    private readonly Dictionary<string, int?> _structs = new(StringComparer.Ordinal);

    private FixedSizes() { }

    /// <summary>The structs with <see cref="StructModel.FixedSize"/> set, in the same order.</summary>
    public static IReadOnlyList<StructModel> Apply(IReadOnlyList<StructModel> structs)
    {
        var sizes = Compute(structs);
        return structs.Select(s => s with { FixedSize = sizes._structs[s.Name] }).ToList();
    }

    /// <summary>The encoded size of every value of <paramref name="type"/>, or null if it varies.</summary>
    public int? Of(TypeRef type) => type switch
    {
        TypeRef.Named { Kind: NamedKind.Struct } named => _structs.TryGetValue(named.Name, out var size) ? size : null,
        TypeRef.FixedArray array => Of(array.Element) is int element ? Fit(element * array.Length) : null,
        _ => type.ScalarSize,
    };

    // Each struct after the structs its fields hold, with an explicit stack: a chain of thousands of structs
    // must not overflow ours. A struct that holds itself (reported by ValueRecursion) meets itself unsized,
    // which counts as varying.
    private static FixedSizes Compute(IReadOnlyList<StructModel> structs)
    {
        var sizes = new FixedSizes();
        var byName = structs.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var expanded = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<StructModel>();
        foreach (var root in structs)
        {
            pending.Push(root);
            while (pending.Count > 0)
            {
                var current = pending.Peek();
                if (sizes._structs.ContainsKey(current.Name))
                {
                    pending.Pop();
                    continue;
                }
                if (expanded.Add(current.Name))
                {
                    foreach (var held in current.Fields.SelectMany(f => HeldStructs(f.Type)))
                        if (!expanded.Contains(held) && byName.TryGetValue(held, out var model))
                            pending.Push(model);
                    continue;
                }
                sizes._structs[current.Name] = current.LinkWireName is null ? Sum(current.Fields.Select(f => sizes.Of(f.Type))) : null;
                pending.Pop();
            }
        }
        return sizes;
    }

    /// <summary>The structs whose sizes a type's size is made of.</summary>
    private static IEnumerable<string> HeldStructs(TypeRef type) => type switch
    {
        TypeRef.Named { Kind: NamedKind.Struct } named => new[] { named.Name },
        TypeRef.FixedArray array => HeldStructs(array.Element),
        _ => Enumerable.Empty<string>(), // the others are scalar or vary whatever they hold
    };

    private static int? Sum(IEnumerable<int?> sizes)
    {
        long total = 0;
        foreach (var size in sizes)
        {
            if (size is not int known)
                return null;
            total += known;
        }
        return Fit(total);
    }

    private static int? Fit(long size) => size <= int.MaxValue ? (int)size : null;
}
