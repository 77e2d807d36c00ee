using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DittoFs.Xdr.Generator.Diagnostics;
using DittoFs.Xdr.Generator.Parsing;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>One C# namespace's .x files, resolved together; <see cref="HintPrefix"/> keeps its source names apart from other namespaces'.</summary>
/// <remarks><see cref="Diagnostics"/>: its files' unresolved #includes, reported with its model so it is not emitted half-resolved.</remarks>
internal sealed record NamespaceGroup(string Namespace, string HintPrefix, IReadOnlyList<XdrFileSyntax> Files, DiagnosticList Diagnostics);

/// <summary>
/// Splits the .x files by the C# namespace each is generated into, and resolves <c>#include</c>s.
/// </summary>
/// <remarks>
/// Files without XdrNamespace metadata share the RootNamespace and one set of names, as before. A file with
/// XdrNamespace gets the namespace it names, shared only with files naming the same one: its names do not meet
/// the other files' names, as rpcgen compiles each .x file on its own. <c>#include "b.x"</c> in a.x puts b.x's
/// definitions into a.x's namespace too (cpp pastes b.x into a.x), unless b.x is already one of its files;
/// b.x is then generated once in each namespace that has it.
/// </remarks>
internal static class NamespaceGroups
{
    public static List<NamespaceGroup> Split(string rootNamespace, IReadOnlyList<XdrFileSyntax> files)
    {
        var byPath = new Dictionary<string, XdrFileSyntax>(StringComparer.Ordinal);
        foreach (var file in files)
            byPath[Normalize(file.Path)] = file;
        var groups = new List<NamespaceGroup>();
        foreach (var members in files.GroupBy(f => string.IsNullOrWhiteSpace(f.Namespace) ? null : f.Namespace!.Trim()).OrderBy(g => g.Key ?? "", StringComparer.Ordinal))
        {
            var diagnostics = new DiagnosticList();
            var included = new Dictionary<string, XdrFileSyntax>(StringComparer.Ordinal);
            var pending = new Queue<XdrFileSyntax>();
            foreach (var member in members)
            {
                included[Normalize(member.Path)] = member;
                pending.Enqueue(member);
            }
            while (pending.Count > 0)
            {
                var file = pending.Dequeue();
                foreach (var include in file.Includes)
                {
                    var target = Resolve(file.Path, include.Name, byPath, files);
                    if (target is null)
                    {
                        diagnostics.Report(XdrDiagnostics.Unknown, $"#include \"{include.Name}\": no AdditionalFiles item is '{Path.Combine(Path.GetDirectoryName(file.Path) ?? "", include.Name)}' (an included .x file must be an AdditionalFiles item too)", file.Path, include.Position, "#include".Length);
                        continue;
                    }
                    if (!included.ContainsKey(Normalize(target.Path)))
                    {
                        included[Normalize(target.Path)] = target;
                        pending.Enqueue(target);
                    }
                }
            }
            string ns = members.Key ?? rootNamespace;
            string prefix = members.Key is null ? "" : ns + ".";
            groups.Add(new NamespaceGroup(ns, prefix, included.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ToList(), diagnostics));
        }
        return groups;
    }

    /// <summary>
    /// The file <c>#include "name"</c> means: name relative to the including file's folder, as cpp looks first;
    /// failing that, the one AdditionalFiles item of that file name (as cpp with -I for each of their folders).
    /// </summary>
    private static XdrFileSyntax? Resolve(string includingPath, string name, Dictionary<string, XdrFileSyntax> byPath, IReadOnlyList<XdrFileSyntax> files)
    {
        string relative = Path.Combine(Path.GetDirectoryName(includingPath) ?? "", name);
        if (byPath.TryGetValue(Normalize(relative), out var found))
            return found;
        var sameName = files.Where(f => string.Equals(Path.GetFileName(f.Path), Path.GetFileName(name), StringComparison.Ordinal)).ToList();
        return sameName.Count == 1 ? sameName[0] : null;
    }

    private static string Normalize(string path)
    {
        try
        {
            return Path.GetFullPath(path).Replace('\\', '/');
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return path.Replace('\\', '/');
        }
    }
}
