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
    public ConstantModel? Resolve(ConstSyntax constant, string file)
    {
        if (!_declarations.IsDefinitionOf(constant))
            return null;
        if (constant.Value is StringValueSyntax text)
            return new ConstantModel(Names.Pascal(constant.Name), constant.Name, file, 0, Text: text.Text);
        return Evaluate(constant.Value, file) is long value
            ? new ConstantModel(Names.Pascal(constant.Name), constant.Name, file, value, IsUnsigned64(constant.Value))
            : null;
    }

    /// <summary>Whether an evaluated value is a number above long.MaxValue (its long holds the bits).</summary>
    public bool IsUnsigned64(ValueSyntax value) => value switch
    {
        NumberValueSyntax number => number.Unsigned64,
        NameValueSyntax named => _unsigned64.Contains(named.Name),
        _ => false,
    };

    private readonly HashSet<string> _unsigned64 = new(StringComparer.Ordinal);

    public long? Evaluate(ValueSyntax value, string file)
    {
        switch (value)
        {
            case NumberValueSyntax number:
                return number.Value;
            case SumValueSyntax sum:
                if (Evaluate(sum.Left, file) is not long left || Evaluate(sum.Right, file) is not long right)
                    return null;
                return sum.Subtract ? left - right : left + right;
            case StringValueSyntax:
                _diagnostics.Report(XdrDiagnostics.Unsupported, "A string constant is not a number; it cannot be a size, case or enum value", file, value.Position, 1);
                return null;
            case NameValueSyntax named:
                if (_values.TryGetValue(named.Name, out long known))
                    return known;
                if (_unevaluable.Contains(named.Name))
                    return null;
                if (!_declarations.Values.TryGetValue(named.Name, out var definition) && ExternalTypes.Constant(named.Name) is long external)
                    return external;
                if (definition.Value is null)
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
                if (definition.Value is StringValueSyntax)
                {
                    _evaluating.Remove(named.Name);
                    _unevaluable.Add(named.Name);
                    _diagnostics.Report(XdrDiagnostics.Unsupported, $"'{named.Name}' is a string constant, not a number", file, named.Position, named.Name.Length);
                    return null;
                }
                long? result = Evaluate(definition.Value, definition.File);
                _evaluating.Remove(named.Name);
                if (IsUnsigned64(definition.Value))
                    _unsigned64.Add(named.Name);
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
        if (value < 0 || value > max || IsUnsigned64(size))
        {
            string shown = IsUnsigned64(size) ? unchecked((ulong)value).ToString(CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);
            _diagnostics.Report(XdrDiagnostics.BadSize, $"Size {shown} of '{name}' is out of range (0..{max})", file, size.Position, Show(size).Length);
            return null;
        }
        return value;
    }

    /// <summary>A value as written, for messages; its length is the length of a diagnostic at it.</summary>
    public static string Show(ValueSyntax value) => value switch
    {
        NameValueSyntax n => n.Name,
        NumberValueSyntax { Unsigned64: true } n => unchecked((ulong)n.Value).ToString(CultureInfo.InvariantCulture),
        NumberValueSyntax n => n.Value.ToString(CultureInfo.InvariantCulture),
        StringValueSyntax s => "\"" + s.Text + "\"",
        SumValueSyntax s => Show(s.Left) + (s.Subtract ? "-" : "+") + Show(s.Right),
        _ => "?",
    };
}
