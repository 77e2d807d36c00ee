using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DittoFs.Xdr.Generator.Diagnostics;
using DittoFs.Xdr.Generator.Parsing;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// The case values of unions (RFC 4506 §4.15), checked against the discriminant's type and spelt as C# case
/// labels: <c>true</c>, <c>7</c>, <c>7u</c> or an enum member.
/// </summary>
internal sealed class CaseLabels
{
    private readonly Constants _constants;
    private readonly DiagnosticList _diagnostics;
    private readonly Dictionary<string, EnumModel> _enums = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _enumOfMember = new(StringComparer.Ordinal);

    public CaseLabels(Constants constants, DiagnosticList diagnostics)
    {
        _constants = constants;
        _diagnostics = diagnostics;
    }

    /// <summary>Makes an enum's members known as case values, all those it declares (also any the model left out as invalid).</summary>
    public void Add(EnumModel model, EnumBodySyntax body)
    {
        _enums[model.Name] = model;
        foreach (var member in body.Members)
            _enumOfMember[member.Name] = model.Name;
    }

    /// <summary>A case value as a C# constant expression of the discriminant's type, and its value; null if invalid (reported).</summary>
    public (string Label, long Value)? Label(ValueSyntax value, TypeRef discriminant, string unionWireName, string file)
    {
        if (_constants.Evaluate(value, file) is not long v)
            return null;
        switch (discriminant)
        {
            case TypeRef.Named enumType:
            {
                // One of the enum's members by name, or a number (or constant) that one of them has.
                var enumModel = _enums.TryGetValue(enumType.Name, out var found) ? found : null;
                string? member = value is NameValueSyntax named && _enumOfMember.TryGetValue(named.Name, out var owner) && owner == enumType.Name
                    ? Names.Pascal(named.Name)
                    : enumModel?.Members.FirstOrDefault(m => m.Value == v)?.Name;
                if (member is not null)
                    return ($"{enumType.Name}.{member}", v);
                _diagnostics.Report(XdrDiagnostics.BadDiscriminant, $"Case {Constants.Show(value)} of union '{unionWireName}' is not a value of enum '{enumModel?.WireName ?? enumType.Name}'", file, value.Position, Constants.Show(value).Length);
                return null;
            }
            case TypeRef.Primitive { Kind: PrimitiveKind.Bool } when v is 0 or 1:
                return (v == 1 ? "true" : "false", v);
            case TypeRef.Primitive { Kind: PrimitiveKind.Int32 } when v >= int.MinValue && v <= int.MaxValue:
                return (v.ToString(CultureInfo.InvariantCulture), v);
            case TypeRef.Primitive { Kind: PrimitiveKind.UInt32 } when v >= 0 && v <= uint.MaxValue:
                return (v.ToString(CultureInfo.InvariantCulture) + "u", v);
            case TypeRef.Primitive primitive:
                _diagnostics.Report(XdrDiagnostics.BadDiscriminant, $"Case {Constants.Show(value)} of union '{unionWireName}' is out of range for a {primitive.Kind} discriminant", file, value.Position, Constants.Show(value).Length);
                return null;
            default: // the union's checks admit no other discriminant
                throw TypeRef.Unhandled(discriminant);
        }
    }
}
