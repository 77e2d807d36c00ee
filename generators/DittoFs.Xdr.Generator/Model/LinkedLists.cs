using System;
using System.Collections.Generic;
using DittoFs.Xdr.Generator.Parsing;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// The second pass: the structs that are nodes of self-linked lists, whose last field points to the struct
/// itself (RFC 4506 §4.19), directly or through typedefs. Found before any type is resolved, since a pointer to
/// such a struct resolves to a list and the node itself leaves its link out.
/// </summary>
internal static class LinkedLists
{
    // How far typedefs are followed: a struct linked through a longer chain is not taken for a node, and is then
    // reported as containing itself.
    private const int MaxDepth = 32;

    /// <summary>The wire names of the list node structs.</summary>
    public static HashSet<string> FindNodes(Declarations declarations)
    {
        var nodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in declarations.Types)
        {
            if (entry.Value.Definition is StructSyntax structure && structure.Body.Fields.Count > 0)
            {
                var last = structure.Body.Fields[structure.Body.Fields.Count - 1];
                if (PointerTarget(declarations, last, depth: 0) == structure.Name)
                    nodes.Add(structure.Name);
            }
        }
        return nodes;
    }

    /// <summary>The struct a declaration points to (directly or through typedefs), or null.</summary>
    private static string? PointerTarget(Declarations declarations, DeclarationSyntax declaration, int depth)
    {
        if (depth > MaxDepth || declaration.Type is not { Kind: TypeSpecKind.Named, Name: string target })
            return null;
        if (declaration.Kind == DeclarationKind.Optional)
            return StructBehind(declarations, target, depth + 1);
        if (declaration.Kind == DeclarationKind.Plain
            && declarations.Types.TryGetValue(target, out var found)
            && found.Definition is TypedefSyntax typedef)
            return PointerTarget(declarations, typedef.Declaration, depth + 1);
        return null;
    }

    private static string? StructBehind(Declarations declarations, string name, int depth)
    {
        if (depth > MaxDepth || !declarations.Types.TryGetValue(name, out var found))
            return null;
        return found.Definition switch
        {
            StructSyntax s => s.Name,
            TypedefSyntax { Declaration: { Kind: DeclarationKind.Plain, Type: { Kind: TypeSpecKind.Named, Name: string target } } } => StructBehind(declarations, target, depth + 1),
            _ => null,
        };
    }
}
