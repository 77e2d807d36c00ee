using System;
using System.Collections.Generic;
using DittoFs.Xdr.Generator.Diagnostics;
using DittoFs.Xdr.Generator.Parsing;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// The C# type names the generated code takes, claimed as definitions are resolved: two XDR names may map to
/// one C# name (nfs_fh3 and NFS_FH3), and none may take a name the generated code itself uses.
/// </summary>
internal sealed class CsTypeNames
{
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private readonly DiagnosticList _diagnostics;

    public CsTypeNames(DiagnosticList diagnostics) => _diagnostics = diagnostics;

    /// <summary>Each .x file becomes one source and one constants class named after it, so two files need two names.</summary>
    public void ClaimFileNames(IReadOnlyList<XdrFileSyntax> files)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in files)
        {
            string stem = Names.FileStem(file.Path);
            _taken.Add(Names.Pascal(stem) + "Constants");
            if (seen.TryGetValue(stem, out var other))
                _diagnostics.Report(XdrDiagnostics.Duplicate, $"'{file.Path}' and '{other}' have the same file name; the source and constants class generated from an .x file are named after it", file.Path, new SourcePosition(0, 1, 1), 0);
            else
                seen[stem] = file.Path;
        }
    }

    /// <summary>Claims the C# type names one definition generates (a type and, say, its codec), all or none.</summary>
    public bool Claim(string wireName, string file, SourcePosition position, params string[] csNames)
    {
        foreach (string csName in csNames)
        {
            string? problem = ReservedNames.Types.Contains(csName) ? "which the generated code itself uses"
                : _taken.Contains(csName) ? "which another type already has"
                : null;
            if (problem is not null)
            {
                _diagnostics.Report(XdrDiagnostics.Duplicate, $"'{wireName}' maps to the C# name '{csName}', {problem}", file, position, wireName.Length);
                return false;
            }
        }
        _taken.UnionWith(csNames);
        return true;
    }
}
