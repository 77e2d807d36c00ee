using System;
using System.Collections.Generic;
using System.Linq;
using DittoFs.Xdr.Generator.Diagnostics;
using DittoFs.Xdr.Generator.Parsing;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// Program resolution (RFC 5531 §12): each version of a program becomes a model named after the program and
/// version (NFS_PROGRAM version 3 is NfsV3), its procedures named without their shared prefix (NFSPROC3_).
/// </summary>
internal sealed class ProgramResolver
{
    private readonly TypeResolver _types;
    private readonly Constants _constants;
    private readonly CsTypeNames _names;
    private readonly DiagnosticList _diagnostics;
    private readonly List<ProgramModel> _programs = new();

    public ProgramResolver(TypeResolver types, Constants constants, CsTypeNames names, DiagnosticList diagnostics)
    {
        _types = types;
        _constants = constants;
        _names = names;
        _diagnostics = diagnostics;
    }

    public IReadOnlyList<ProgramModel> Programs => _programs;

    /// <summary>Resolves a program: one model per version, with its procedures' argument and result types.</summary>
    public void Resolve(ProgramSyntax program, string file)
    {
        if (RpcNumber(program.Number, $"Program number of '{program.Name}'", file) is not long programNumber)
            return;
        string baseName = StripProgramSuffix(program.Name);
        foreach (var version in program.Versions)
        {
            if (RpcNumber(version.Number, $"Version number of '{version.Name}'", file) is not long versionNumber)
                continue;
            string name = Names.Pascal(baseName) + "V" + versionNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!_names.Claim(version.Name, file, version.Position, name + "Program", name + "Procedure", "I" + name, name + "Dispatcher", name + "Client"))
                continue;
            string prefix = CommonPrefix(version.Procedures.Select(p => p.Name).ToList());
            var procedures = new List<ProcedureModel>();
            var numbers = new HashSet<long>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var procedure in version.Procedures)
            {
                if (RpcNumber(procedure.Number, $"Procedure number of '{procedure.Name}'", file) is not long number)
                    continue;
                string procedureName = Names.Pascal(procedure.Name.Substring(prefix.Length));
                if (!numbers.Add(number) || !names.Add(procedureName))
                {
                    _diagnostics.Report(XdrDiagnostics.Duplicate, $"Procedure '{procedure.Name}' repeats a name or number in version '{version.Name}'", file, procedure.Position, procedure.Name.Length);
                    continue;
                }
                if (procedure.Arguments.Count != 1)
                {
                    _diagnostics.Report(XdrDiagnostics.Unsupported, $"Procedure '{procedure.Name}' takes {procedure.Arguments.Count} arguments; DittoFs supports one (or void), as RFC 5531 §12 recommends", file, procedure.Position, procedure.Name.Length);
                    continue;
                }
                var argument = ResolveSignatureType(procedure.Arguments[0], new InlineName(name + procedureName + "Arguments", procedure.Name + ".arguments"), file);
                var result = ResolveSignatureType(procedure.Result, new InlineName(name + procedureName + "Result", procedure.Name + ".result"), file);
                if (argument.Failed || result.Failed)
                    continue;
                procedures.Add(new ProcedureModel(procedureName, procedure.Name, (uint)number, argument.Type, result.Type));
            }
            _programs.Add(new ProgramModel(name, program.Name, version.Name, file, (uint)programNumber, (uint)versionNumber, procedures.ToEquatableArray()));
        }
    }

    /// <summary>A program, version or procedure number: an unsigned 32-bit value on the wire (RFC 5531 §9).</summary>
    private long? RpcNumber(ValueSyntax value, string what, string file)
    {
        if (_constants.Evaluate(value, file) is not long number)
            return null;
        if (number is >= 0 and <= uint.MaxValue)
            return number;
        _diagnostics.Report(XdrDiagnostics.BadSize, $"{what} is {number}, out of range (0..{uint.MaxValue})", file, value.Position, Constants.Show(value).Length);
        return null;
    }

    private (TypeRef? Type, bool Failed) ResolveSignatureType(TypeSpecSyntax spec, InlineName inlineName, string file)
    {
        if (spec.Kind == TypeSpecKind.Void)
            return (null, false);
        var type = _types.ResolveTypeSpec(spec, inlineName, file);
        if (_types.IsListNode(type) is TypeRef.Named node)
        {
            _diagnostics.Report(XdrDiagnostics.Unsupported, $"'{node.WireName}' is a self-linked list node; use a pointer typedef to it as the procedure type", file, spec.Position, spec.Name?.Length ?? 1);
            return (null, true);
        }
        return (type, type is null);
    }

    private static string StripProgramSuffix(string name)
    {
        foreach (var suffix in new[] { "_PROGRAM", "_PROG", "PROGRAM", "PROG" })
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && name.Length > suffix.Length)
                return name.Substring(0, name.Length - suffix.Length);
        return name;
    }

    /// <summary>The shared prefix of the procedure names up to its last underscore (NFSPROC3_), if it leaves names.</summary>
    private static string CommonPrefix(IReadOnlyList<string> names)
    {
        if (names.Count == 0)
            return "";
        string prefix = names[0];
        foreach (var name in names)
        {
            int length = 0;
            while (length < prefix.Length && length < name.Length && prefix[length] == name[length])
                length++;
            prefix = prefix.Substring(0, length);
        }
        int cut = prefix.LastIndexOf('_');
        prefix = cut < 0 ? "" : prefix.Substring(0, cut + 1);
        return names.All(n => n.Length > prefix.Length && !char.IsDigit(n[prefix.Length])) ? prefix : "";
    }
}
