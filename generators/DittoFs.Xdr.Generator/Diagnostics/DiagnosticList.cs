using System;
using System.Collections.Generic;
using DittoFs.Xdr.Generator.Parsing;

namespace DittoFs.Xdr.Generator.Diagnostics;

/// <summary>The diagnostics of one model build, in the order the passes report them.</summary>
internal sealed class DiagnosticList
{
    private readonly List<DiagnosticInfo> _items = new();

    public void AddRange(IEnumerable<DiagnosticInfo> diagnostics) => _items.AddRange(diagnostics);

    public void Report(string id, string message, string file, SourcePosition position, int length) =>
        _items.Add(new DiagnosticInfo(id, message, file, position.Offset, position.Line, position.Column, Math.Max(length, 1)));

    public EquatableArray<DiagnosticInfo> ToEquatableArray() => _items.ToEquatableArray();
}
