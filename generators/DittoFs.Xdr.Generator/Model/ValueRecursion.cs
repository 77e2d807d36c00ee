using System;
using System.Collections.Generic;
using System.Linq;
using DittoFs.Xdr.Generator.Diagnostics;
using DittoFs.Xdr.Generator.Parsing;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// A check over the resolved types. A struct or union that contains itself by value cannot exist; one that
/// contains itself through optional data or an array is a tree, which decodes by recursion as deep as the input
/// says. Only self-linked lists, decoded in a loop, may refer to themselves.
/// </summary>
internal static class ValueRecursion
{
    /// <summary>Reports each struct or union that contains itself, at its definition.</summary>
    public static void Check(IReadOnlyList<StructModel> structs, IReadOnlyList<UnionModel> unions, Declarations declarations, DiagnosticList diagnostics)
    {
        var members = new Dictionary<string, List<TypeRef.Named>>(StringComparer.Ordinal);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in structs)
        {
            members[s.Name] = s.Fields.SelectMany(f => Embedded(f.Type)).ToList();
            files[s.Name] = s.File;
        }
        foreach (var u in unions)
        {
            members[u.Name] = u.ArmFields.SelectMany(f => Embedded(f.Type)).ToList();
            files[u.Name] = u.File;
        }
        // Depth first with an explicit stack (a chain of thousands of types must not overflow ours).
        // state: absent = not seen, OnPath = an ancestor of the current type, Done = checked.
        const int OnPath = 1, Done = 2;
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var root in members.Keys)
        {
            if (state.ContainsKey(root))
                continue;
            var path = new Stack<(string Name, int Next)>();
            state[root] = OnPath;
            path.Push((root, 0));
            while (path.Count > 0)
            {
                var (name, next) = path.Pop();
                if (next == members[name].Count)
                {
                    state[name] = Done;
                    continue;
                }
                path.Push((name, next + 1));
                var memberType = members[name][next];
                string member = memberType.Name;
                if (!members.ContainsKey(member) || (state.TryGetValue(member, out int seen) && seen == Done))
                    continue;
                if (seen == OnPath)
                {
                    string wire = memberType.WireName;
                    var position = declarations.TryGetPosition(wire, out var p) ? p : new SourcePosition(0, 1, 1);
                    diagnostics.Report(XdrDiagnostics.Unsupported, $"'{wire}' contains itself (by value, through optional data or through an array); recursion is only supported as a self-linked list whose last field points to the next node", files[member], position, wire.Length);
                    state[member] = Done; // once per type
                    continue;
                }
                state[member] = OnPath;
                path.Push((member, 0));
            }
        }
    }

    /// <summary>The struct or union a field's value holds (none, or one): directly, as optional data or as array elements.</summary>
    private static IEnumerable<TypeRef.Named> Embedded(TypeRef type) => type switch
    {
        TypeRef.Named { Kind: NamedKind.Enum } => Enumerable.Empty<TypeRef.Named>(),
        TypeRef.Named named => new[] { named },
        TypeRef.Optional optional => Embedded(optional.Target),
        TypeRef.FixedArray array => Embedded(array.Element),
        TypeRef.VariableArray array => Embedded(array.Element),
        TypeRef.LinkedList list => Embedded(list.Node),
        TypeRef.Primitive or TypeRef.Alias or TypeRef.FixedOpaque or TypeRef.VariableOpaque or TypeRef.String => Enumerable.Empty<TypeRef.Named>(),
        _ => throw TypeRef.Unhandled(type),
    };
}
