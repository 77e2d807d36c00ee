using System;
using System.Collections.Generic;
using System.Globalization;
using DittoFs.Xdr.Generator.Diagnostics;

namespace DittoFs.Xdr.Generator.Parsing;

/// <summary>An <c>#include "name"</c> line: the name as written, resolved later among the AdditionalFiles.</summary>
internal sealed record IncludeSyntax(string Name, SourcePosition Position);

/// <summary>
/// The part of the C preprocessor rpcgen relies on (rpcgen runs cpp over a .x file before reading it).
/// Conditional lines (<c>#if</c>, <c>#ifdef</c>, <c>#ifndef</c>, <c>#elif</c>, <c>#else</c>, <c>#endif</c>) select
/// text; <c>#define</c>/<c>#undef</c> set symbols; <c>#include "x.x"</c> is recorded for the model builder.
/// </summary>
/// <remarks>
/// The output has the length and line structure of the input: directive lines and lines a condition excludes
/// are blanked (every character but the line breaks becomes a space), so positions in the parsed text are
/// positions in the file. Symbols: <c>RPC_XDR</c> is defined, as <c>rpcgen -c</c> (the XDR routines) defines
/// it; <c>RPC_HDR</c>, <c>RPC_SVC</c>, <c>RPC_CLNT</c>, <c>RPC_TBL</c> are not. In the .x files rpcgen ships
/// those blocks hold only <c>%</c> lines (C for one output), never a definition that reaches the wire.
/// </remarks>
internal static class Preprocessor
{
    /// <summary>The symbols defined before the first line.</summary>
    public static readonly IReadOnlyList<string> PredefinedSymbols = new[] { "RPC_XDR" };

    internal sealed class Result
    {
        public string Text = "";
        public List<IncludeSyntax> Includes = new();
        /// <summary><c>#define NAME number</c>: what cpp substitutes wherever NAME is written; the parser makes it a constant.</summary>
        public List<ConstSyntax> Constants = new();
        public List<DiagnosticInfo> Diagnostics = new();
        /// <summary>
        /// <c>%#define NAME value</c> lines: C that rpcgen copies into the header, yet .x files use such names as
        /// sizes (nlm_prot.x: <c>string caller_name&lt;LM_MAXSTRLEN&gt;</c>). Used only for names nothing else defines.
        /// </summary>
        public List<ConstSyntax> PassThroughDefines = new();
    }

    private sealed class Frame
    {
        public bool ParentActive;
        public bool Active;
        public bool Taken; // a branch of this #if was already selected
        public bool SeenElse;
        public SourcePosition Position = new(0, 1, 1);
    }

    /// <summary>
    /// The text with the XDR symbols (<see cref="PredefinedSymbols"/>); its %#define lines are those of both the
    /// XDR output and the header, since the XDR routines are compiled with the header (nlm_prot.x defines
    /// LM_MAXSTRLEN in an RPC_HDR block and uses it as a bound).
    /// </summary>
    public static Result Run(string path, string text)
    {
        var result = Run(path, text, PredefinedSymbols);
        var header = Run(path, text, new[] { "RPC_HDR" });
        result.PassThroughDefines.AddRange(header.PassThroughDefines);
        return result;
    }

    private static Result Run(string path, string text, IReadOnlyList<string> predefined)
    {
        var result = new Result();
        var chars = text.ToCharArray();
        var symbols = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string symbol in predefined)
            symbols[symbol] = "1";
        var stack = new Stack<Frame>();
        bool active = true;
        int line = 1;
        bool inComment = false; // a /* */ comment spanning lines: a '#' inside it is not a directive
        for (int start = 0; start < text.Length;)
        {
            int end = text.IndexOf('\n', start);
            if (end < 0)
                end = text.Length;
            int first = start;
            while (first < end && (text[first] == ' ' || text[first] == '\t'))
                first++;
            bool directive = !inComment && first < end && text[first] == '#';
            if (directive)
            {
                var position = new SourcePosition(first, line, first - start + 1);
                string body = StripComment(text.Substring(first + 1, end - first - 1)).Trim();
                Directive(path, body, position, symbols, stack, ref active, result);
                Blank(chars, start, end);
            }
            else if (!active)
            {
                Blank(chars, start, end);
            }
            else
            {
                if (!inComment && first < end && text[first] == '%')
                    PassThroughDefine(text.Substring(first + 1, end - first - 1), new SourcePosition(first, line, first - start + 1), result);
                inComment = EndsInComment(text, start, end, inComment);
            }
            start = end + 1;
            line++;
        }
        if (stack.Count > 0)
        {
            var open = stack.Peek().Position;
            result.Diagnostics.Add(new DiagnosticInfo(XdrDiagnostics.Syntax, "Syntax error: #if without #endif", path, open.Offset, open.Line, open.Column, 1));
        }
        result.Text = new string(chars);
        return result;
    }

    private static void Directive(string path, string body, SourcePosition position, Dictionary<string, string> symbols, Stack<Frame> stack, ref bool active, Result result)
    {
        int nameEnd = 0;
        while (nameEnd < body.Length && char.IsLetter(body[nameEnd]))
            nameEnd++;
        string keyword = body.Substring(0, nameEnd);
        string rest = body.Substring(nameEnd).Trim();
        void Error(string message) =>
            result.Diagnostics.Add(new DiagnosticInfo(XdrDiagnostics.Syntax, "Syntax error: " + message, path, position.Offset, position.Line, position.Column, 1 + keyword.Length));

        switch (keyword)
        {
            case "if":
            case "ifdef":
            case "ifndef":
            {
                bool condition = false;
                if (active)
                {
                    if (keyword == "if")
                    {
                        var value = Condition.Evaluate(rest, symbols);
                        if (value is null)
                            Error($"cannot evaluate '#if {rest}' (numbers, defined(NAME), NAME, !, &&, ||, ==, !=, <, >, parentheses)");
                        condition = value is not null && value != 0;
                    }
                    else
                    {
                        condition = symbols.ContainsKey(FirstWord(rest)) == (keyword == "ifdef");
                    }
                }
                stack.Push(new Frame { ParentActive = active, Active = active && condition, Taken = active && condition, Position = position });
                active = active && condition;
                return;
            }
            case "elif":
            case "else":
            {
                if (stack.Count == 0 || stack.Peek().SeenElse)
                {
                    Error($"#{keyword} without #if");
                    return;
                }
                var frame = stack.Peek();
                bool condition = true;
                if (keyword == "elif" && frame.ParentActive && !frame.Taken)
                {
                    var value = Condition.Evaluate(rest, symbols);
                    if (value is null)
                        Error($"cannot evaluate '#elif {rest}'");
                    condition = value is not null && value != 0;
                }
                frame.SeenElse = keyword == "else";
                frame.Active = frame.ParentActive && !frame.Taken && condition;
                frame.Taken |= frame.Active;
                active = frame.Active;
                return;
            }
            case "endif":
                if (stack.Count == 0)
                {
                    Error("#endif without #if");
                    return;
                }
                active = stack.Pop().ParentActive;
                return;
        }
        if (!active)
            return; // other directives in an excluded block are not looked at, as in cpp
        switch (keyword)
        {
            case "define":
            {
                string name = FirstWord(rest);
                string value = rest.Substring(name.Length).Trim();
                if (name.Length == 0 || (name.Length < rest.Length && rest[name.Length] == '('))
                {
                    Error("only '#define NAME' and '#define NAME number' are supported (no function-like macros)");
                    return;
                }
                if (value.Length > 0 && !IsNumber(value))
                {
                    Error($"'#define {name} {value}': only a number may follow the name (cpp would substitute the text, which is not supported)");
                    return;
                }
                symbols[name] = value.Length == 0 ? "1" : value;
                if (value.Length > 0)
                {
                    // cpp substitutes the number wherever NAME is written: a constant of that value means the same.
                    var namePosition = new SourcePosition(position.Offset + body.IndexOf(name, StringComparison.Ordinal) + 1, position.Line, position.Column + body.IndexOf(name, StringComparison.Ordinal) + 1);
                    var number = XdrParser.ParseNumberText(value);
                    if (number is not null)
                        result.Constants.Add(new ConstSyntax(name, number with { Position = namePosition }, namePosition));
                }
                return;
            }
            case "undef":
                symbols.Remove(FirstWord(rest));
                return;
            case "include":
            {
                if (rest.Length >= 2 && rest[0] == '"' && rest.IndexOf('"', 1) > 1)
                    result.Includes.Add(new IncludeSyntax(rest.Substring(1, rest.IndexOf('"', 1) - 1), position));
                else
                    Error("#include needs a quoted file name (#include \"other.x\"); <system> headers are C, not XDR");
                return;
            }
            case "error":
                Error("#error " + rest);
                return;
            default:
                // rpcgen skips other '#' lines (cpp line markers, #pragma, #ident): they say nothing about the wire.
                return;
        }
    }

    private static void PassThroughDefine(string line, SourcePosition position, Result result)
    {
        string body = StripComment(line).Trim();
        if (!body.StartsWith("#", StringComparison.Ordinal))
            return;
        body = body.Substring(1).TrimStart();
        if (!body.StartsWith("define", StringComparison.Ordinal))
            return;
        body = body.Substring("define".Length);
        if (body.Length == 0 || !char.IsWhiteSpace(body[0]))
            return;
        body = body.Trim();
        string name = FirstWord(body);
        if (name.Length == 0 || (name.Length < body.Length && body[name.Length] == '('))
            return;
        var value = XdrParser.ParseDefineValue(body.Substring(name.Length), position);
        if (value is not null)
            result.PassThroughDefines.Add(new ConstSyntax(name, value, position));
    }

    private static string FirstWord(string text)
    {
        int end = 0;
        while (end < text.Length && (char.IsLetterOrDigit(text[end]) || text[end] == '_'))
            end++;
        return text.Substring(0, end);
    }

    private static bool IsNumber(string text) => XdrParser.ParseNumberText(text) is not null;

    /// <summary>A directive without its comments (<c>#endif /* def RPC_HDR */</c>).</summary>
    private static string StripComment(string body)
    {
        int block = body.IndexOf("/*", StringComparison.Ordinal);
        int line = body.IndexOf("//", StringComparison.Ordinal);
        int cut = block < 0 ? line : line < 0 ? block : Math.Min(block, line);
        return cut < 0 ? body : body.Substring(0, cut);
    }

    /// <summary>Whether a /* comment is still open at the end of the line.</summary>
    private static bool EndsInComment(string text, int start, int end, bool inComment)
    {
        for (int i = start; i < end; i++)
        {
            if (inComment)
            {
                if (text[i] == '*' && i + 1 < end && text[i + 1] == '/')
                {
                    inComment = false;
                    i++;
                }
            }
            else if (text[i] == '/' && i + 1 < end && text[i + 1] == '*')
            {
                inComment = true;
                i++;
            }
            else if (text[i] == '/' && i + 1 < end && text[i + 1] == '/')
            {
                return false;
            }
            else if (text[i] == '%' && IsLineStart(text, start, i))
            {
                return false; // a pass-through line is C text: its comment marks are not ours
            }
        }
        return inComment;
    }

    private static bool IsLineStart(string text, int start, int i)
    {
        for (int j = start; j < i; j++)
            if (text[j] != ' ' && text[j] != '\t')
                return false;
        return true;
    }

    private static void Blank(char[] chars, int start, int end)
    {
        for (int i = start; i < end; i++)
            if (chars[i] != '\r')
                chars[i] = ' ';
    }

    /// <summary>A <c>#if</c> expression: a number, a symbol (its value, 0 if undefined), defined(X), and C's operators on them.</summary>
    private sealed class Condition
    {
        private readonly string _text;
        private readonly Dictionary<string, string> _symbols;
        private int _at;

        private Condition(string text, Dictionary<string, string> symbols)
        {
            _text = text;
            _symbols = symbols;
        }

        public static long? Evaluate(string text, Dictionary<string, string> symbols)
        {
            var condition = new Condition(text, symbols);
            long? value = condition.Or();
            condition.Skip();
            return condition._at == text.Length ? value : null;
        }

        private void Skip()
        {
            while (_at < _text.Length && char.IsWhiteSpace(_text[_at]))
                _at++;
        }

        private bool Eat(string token)
        {
            Skip();
            if (string.CompareOrdinal(_text, _at, token, 0, token.Length) != 0)
                return false;
            _at += token.Length;
            return true;
        }

        private long? Or()
        {
            long? left = And();
            while (left is not null && Eat("||"))
            {
                long? right = And();
                left = right is null ? null : (left != 0 || right != 0) ? 1 : 0;
            }
            return left;
        }

        private long? And()
        {
            long? left = Compare();
            while (left is not null && Eat("&&"))
            {
                long? right = Compare();
                left = right is null ? null : (left != 0 && right != 0) ? 1 : 0;
            }
            return left;
        }

        private long? Compare()
        {
            long? left = Unary();
            while (left is not null)
            {
                Func<long, long, bool>? op = Eat("==") ? (a, b) => a == b : Eat("!=") ? (a, b) => a != b
                    : Eat(">=") ? (a, b) => a >= b : Eat("<=") ? (a, b) => a <= b
                    : Eat(">") ? (a, b) => a > b : Eat("<") ? (a, b) => a < b : null;
                if (op is null)
                    break;
                long? right = Unary();
                left = right is null ? null : op(left.Value, right.Value) ? 1 : 0;
            }
            return left;
        }

        private long? Unary()
        {
            if (Eat("!"))
                return Unary() is long operand ? (operand == 0 ? 1 : 0) : null;
            if (Eat("("))
            {
                long? inner = Or();
                return Eat(")") ? inner : null;
            }
            Skip();
            int start = _at;
            while (_at < _text.Length && (char.IsLetterOrDigit(_text[_at]) || _text[_at] == '_'))
                _at++;
            string word = _text.Substring(start, _at - start);
            if (word.Length == 0)
                return null;
            if (char.IsDigit(word[0]))
                return XdrParser.ParseNumberText(word.TrimEnd('u', 'U', 'l', 'L'))?.Value;
            if (word == "defined")
            {
                bool parenthesised = Eat("(");
                Skip();
                int nameStart = _at;
                while (_at < _text.Length && (char.IsLetterOrDigit(_text[_at]) || _text[_at] == '_'))
                    _at++;
                string name = _text.Substring(nameStart, _at - nameStart);
                if (name.Length == 0 || (parenthesised && !Eat(")")))
                    return null;
                return _symbols.ContainsKey(name) ? 1 : 0;
            }
            // cpp: an identifier that is no macro is 0; one defined as a number is that number.
            if (!_symbols.TryGetValue(word, out var value))
                return 0;
            return long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long number) ? number : XdrParser.ParseNumberText(value)?.Value ?? 1;
        }
    }
}
