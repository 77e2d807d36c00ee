using System;
using System.Collections.Generic;
using System.Globalization;
using DittoFs.Xdr.Generator.Diagnostics;
using DittoFs.Xdr.Generator.Parsing;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// Constant resolution: the value of a number or a name (a constant or an enum member, possibly defined by
/// another name), evaluated on first use in whatever order the files define them. A name that cannot be
/// evaluated is reported once.
/// </summary>
internal sealed class Constants
{
    private readonly Declarations _declarations;
    private readonly DiagnosticList _diagnostics;
    private readonly Dictionary<string, long> _values = new(StringComparer.Ordinal) { ["TRUE"] = 1, ["FALSE"] = 0 };
    private readonly HashSet<string> _evaluating = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unevaluable = new(StringComparer.Ordinal); // failed once, reported once

    public Constants(Declarations declarations, DiagnosticList diagnostics)
    {
        _declarations = declarations;
        _diagnostics = diagnostics;
    }

    /// <summary>The model of a <c>const</c> definition; null if it is a duplicate or has no value (both reported).</summary>
    public ConstantModel? Resolve(ConstSyntax constant, string file) =>
        _declarations.IsDefinitionOf(constant) && Evaluate(constant.Value, file) is long value
            ? new ConstantModel(Names.Pascal(constant.Name), constant.Name, file, value)
            : null;

    public long? Evaluate(ValueSyntax value, string file)
    {
        switch (value)
        {
            case NumberValueSyntax number:
                return number.Value;
            case NameValueSyntax named:
                if (_values.TryGetValue(named.Name, out long known))
                    return known;
                if (_unevaluable.Contains(named.Name))
                    return null;
                if (!_declarations.Values.TryGetValue(named.Name, out var definition))
                {
                    string what = _declarations.Types.ContainsKey(named.Name) ? $"'{named.Name}' is a type, not a constant" : $"Unknown constant '{named.Name}'";
                    _diagnostics.Report(XdrDiagnostics.Unknown, what, file, named.Position, named.Name.Length);
                    return null;
                }
                if (!_evaluating.Add(named.Name))
                {
                    _diagnostics.Report(XdrDiagnostics.Unsupported, $"Constant '{named.Name}' is defined in terms of itself", file, named.Position, named.Name.Length);
                    return null;
                }
                if (_evaluating.Count > ModelBuilder.MaxChain)
                {
                    _evaluating.Remove(named.Name);
                    _diagnostics.Report(XdrDiagnostics.Unsupported, $"Constant '{named.Name}' ends a chain of more than {ModelBuilder.MaxChain} constants", file, named.Position, named.Name.Length);
                    return null;
                }
                long? result = Evaluate(definition.Value, definition.File);
                _evaluating.Remove(named.Name);
                if (result is long resolved)
                    _values[named.Name] = resolved;
                else
                    _unevaluable.Add(named.Name);
                return result;
            default:
                return null;
        }
    }

    /// <summary>A size or bound of <paramref name="name"/>: its value if in 0..<paramref name="max"/>, else null (reported).</summary>
    public long? Size(ValueSyntax size, string name, string file, long max)
    {
        if (Evaluate(size, file) is not long value)
            return null;
        if (value < 0 || value > max)
        {
            _diagnostics.Report(XdrDiagnostics.BadSize, $"Size {value} of '{name}' is out of range (0..{max})", file, size.Position, Show(size).Length);
            return null;
        }
        return value;
    }

    /// <summary>A value as written, for messages; its length is the length of a diagnostic at it.</summary>
    public static string Show(ValueSyntax value) => value switch
    {
        NameValueSyntax n => n.Name,
        NumberValueSyntax n => n.Value.ToString(CultureInfo.InvariantCulture),
        _ => "?",
    };
}
