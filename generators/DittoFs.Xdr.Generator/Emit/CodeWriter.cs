using System;
using System.Text;

namespace DittoFs.Xdr.Generator.Emit;

/// <summary>A StringBuilder with indentation, so emitters read like the code they produce.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0)
            _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
        return this;
    }

    public IDisposable Block(string header)
    {
        Line(header);
        Line("{");
        _indent++;
        return new Closer(this, "}");
    }

    /// <summary>Opens a block closed with a custom line, e.g. "};".</summary>
    public IDisposable Block(string header, string closing)
    {
        Line(header);
        Line("{");
        _indent++;
        return new Closer(this, closing);
    }

    public void Indent() => _indent++;
    public void Outdent() => _indent--;

    public override string ToString() => _text.ToString();

    private sealed class Closer(CodeWriter writer, string closing) : IDisposable
    {
        public void Dispose()
        {
            writer._indent--;
            writer.Line(closing);
        }
    }
}
