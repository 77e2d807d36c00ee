using System;
using System.Collections.Generic;
using System.Linq;
using DittoFs.Xdr.Generator.Diagnostics;
using Sprache;

namespace DittoFs.Xdr.Generator.Parsing;

/// <summary>
/// The XDR language grammar (RFC 4506 §6.3) plus RPC program definitions (RFC 5531 §12), in Sprache.
/// Comments (<c>/* */</c>, <c>//</c>) and <c>%</c> pass-through lines are trivia.
/// </summary>
/// <remarks>
/// Every token parser is atomic (it consumes nothing when it fails) and skips the trivia after it, and the
/// grammar commits to an alternative once its first token matched (XOr, XMany). So a syntax error is
/// reported where the text goes wrong — at the missing ';', not at the start of the struct around it.
/// </remarks>
internal static class XdrParser
{
    public static XdrFileSyntax ParseFile(string path, string text, string? ns = null)
    {
        // rpcgen runs cpp first; the preprocessed text keeps every position (see Preprocessor).
        var preprocessed = Preprocessor.Run(path, text);
        var definitions = new List<DefinitionSyntax>(preprocessed.Constants);
        var diagnostics = new List<DiagnosticInfo>(preprocessed.Diagnostics);
        var includes = preprocessed.Includes.ToEquatableArray();
        IInput input = Trivia.Many()(new Input(preprocessed.Text)).Remainder;
        while (!input.AtEnd)
        {
            var result = Definition(input);
            if (!result.WasSuccessful)
            {
                diagnostics.Add(SyntaxError(path, result));
                break;
            }
            definitions.Add(result.Value);
            input = result.Remainder;
        }
        return new XdrFileSyntax(path, definitions.ToEquatableArray(), diagnostics.ToEquatableArray(), includes, ns, preprocessed.PassThroughDefines.ToEquatableArray());
    }

    private static DiagnosticInfo SyntaxError(string path, IResult<DefinitionSyntax> failure)
    {
        var at = failure.Remainder;
        string token = TokenAt(at);
        string message;
        if (token == "/*")
        {
            message = "Syntax error: comment not closed with */";
        }
        else
        {
            string found = at.AtEnd ? "end of file" : $"'{token}'";
            var expected = failure.Expectations.Where(e => !string.IsNullOrEmpty(e)).Distinct().ToList();
            message = expected.Count switch
            {
                0 => $"Syntax error: unexpected {found}",
                1 => $"Syntax error: unexpected {found}, expected {expected[0]}",
                _ => $"Syntax error: unexpected {found}, expected {string.Join(", ", expected.Take(expected.Count - 1))} or {expected[expected.Count - 1]}",
            };
        }
        return new DiagnosticInfo(XdrDiagnostics.Syntax, message, path, at.Position, at.Line, at.Column, token.Length);
    }

    /// <summary>The token a parse stopped at: a word or number, an unclosed comment, or one character.</summary>
    private static string TokenAt(IInput at)
    {
        if (at.AtEnd)
            return "";
        string source = at.Source;
        int start = at.Position;
        if (string.CompareOrdinal(source, start, "/*", 0, 2) == 0)
            return "/*";
        int end = start;
        while (end < source.Length && (char.IsLetterOrDigit(source[end]) || source[end] == '_'))
            end++;
        return source.Substring(start, Math.Max(end - start, 1));
    }

    // ---- Tokens ----

    private static readonly Parser<string> BlockComment =
        Parse.String("/*").Then(_ => Parse.AnyChar.Until(Parse.String("*/"))).Return("");

    private static readonly Parser<string> LineComment =
        Parse.String("//").Then(_ => Parse.CharExcept('\n').Many()).Return("");

    // RFC 5531 §12 / rpcgen: lines starting with '%' are passed to the C output; we ignore them.
    private static readonly Parser<string> PassThroughLine =
        Parse.Char('%').Then(_ => Parse.CharExcept('\n').Many()).Return("");

    private static readonly Parser<string> Trivia =
        Parse.WhiteSpace.Return("").Or(BlockComment).Or(LineComment).Or(PassThroughLine);

    /// <summary>A token and the trivia after it (the file's leading trivia is skipped once, up front).</summary>
    private static Parser<T> Token<T>(Parser<T> parser) =>
        from value in parser
        from trivia in Trivia.Many()
        select value;

    private static readonly Parser<SourcePosition> Here =
        input => Result.Success(new SourcePosition(input.Position, input.Line, input.Column), input);

    /// <summary>How deep struct, union and enum bodies may nest; deeper text would overflow the stack (and kill the compiler).</summary>
    public const int MaxNesting = 32;

    [ThreadStatic]
    private static int _nesting;

    /// <summary>
    /// A declaration inside a body, counting the nesting. It refers to a parser defined further down (not yet
    /// initialised, hence the !); unlike Parse.Ref it keeps no memo, since Parse.Ref throws when a failed parse
    /// is retried at the same input, which XMany does.
    /// </summary>
    private static Parser<T> Nested<T>(Func<Parser<T>> parser) => input =>
    {
        if (_nesting >= MaxNesting)
            return Result.Failure<T>(input, "nested too deeply", new[] { $"at most {MaxNesting} levels of nested bodies" });
        _nesting++;
        try
        {
            return parser()(input);
        }
        finally
        {
            _nesting--;
        }
    };

    private static readonly Parser<char> IdentifierChar = Parse.LetterOrDigit.Or(Parse.Char('_'));

    private static readonly Parser<string> Word =
        from first in Parse.Letter
        from rest in IdentifierChar.Many().Text()
        select first + rest;

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "bool", "case", "const", "default", "double", "quadruple", "enum", "float", "hyper", "int", "opaque",
        "string", "struct", "switch", "typedef", "union", "unsigned", "void", "program", "version",
    };

    private static Parser<string> Keyword(string keyword) => Token(Word.Where(w => w == keyword)).Named($"'{keyword}'");

    private static Parser<char> Symbol(char symbol) => Token(Parse.Char(symbol)).Named($"'{symbol}'");

    private static readonly Parser<string> Identifier = Token(Word.Where(w => !Keywords.Contains(w))).Named("identifier");

    private const string NotANumber = "number";

    /// <summary>
    /// A number: decimal, 0x hexadecimal or (leading 0) octal, optionally negative (RFC 4506 §6.3). Up to
    /// 0xffffffffffffffff: rpcgen copies the text into C, so the unsigned 64-bit constants NFSv4 uses are fine.
    /// </summary>
    private static readonly Parser<NumberValueSyntax> Number = Token<NumberValueSyntax>(input =>
    {
        var position = new SourcePosition(input.Position, input.Line, input.Column);
        bool negative = !input.AtEnd && input.Current == '-';
        var digits = Parse.LetterOrDigit.AtLeastOnce().Text()(negative ? input.Advance() : input);
        if (!digits.WasSuccessful || !char.IsDigit(digits.Value[0]))
            return Result.Failure<NumberValueSyntax>(input, "not a number", new[] { NotANumber });
        var number = ParseNumberText((negative ? "-" : "") + digits.Value);
        if (number is null)
            return Result.Failure<NumberValueSyntax>(input, "invalid number", new[] { "a decimal, 0x hexadecimal or 0 octal number that fits in 64 bits" });
        return Result.Success(number with { Position = position }, digits.Remainder);
    });

    /// <summary>
    /// The value of a <c>%#define NAME value</c> line: a number, a name, or a name or number plus or minus a
    /// number (<c>LM_MAXSTRLEN+1</c>), with optional parentheses; null for anything else (it is C, not ours).
    /// </summary>
    internal static ValueSyntax? ParseDefineValue(string text, SourcePosition position)
    {
        text = text.Trim();
        while (text.Length > 1 && text[0] == '(' && text[text.Length - 1] == ')')
            text = text.Substring(1, text.Length - 2).Trim();
        int op = Math.Max(text.LastIndexOf('+'), text.LastIndexOf('-'));
        if (op > 0)
        {
            var left = ParseDefineValue(text.Substring(0, op), position);
            var right = ParseDefineValue(text.Substring(op + 1), position);
            return left is null || right is null ? null : new SumValueSyntax(left, text[op] == '-', right, position);
        }
        if (ParseNumberText(text.TrimEnd('u', 'U', 'l', 'L')) is { } number)
            return number with { Position = position };
        bool name = text.Length > 0 && (char.IsLetter(text[0]) || text[0] == '_') && text.All(c => char.IsLetterOrDigit(c) || c == '_');
        return name ? new NameValueSyntax(text, position) : null;
    }

    /// <summary>A number as written (sign, then digits), or null if it is none or does not fit in 64 bits (signed, or unsigned if positive).</summary>
    internal static NumberValueSyntax? ParseNumberText(string text)
    {
        bool negative = text.StartsWith("-", StringComparison.Ordinal);
        if (!TryParseNumber(negative ? text.Substring(1) : text, out ulong magnitude))
            return null;
        var position = new SourcePosition(0, 1, 1);
        if (negative)
            return magnitude <= (ulong)long.MaxValue + 1 ? new NumberValueSyntax(unchecked(-(long)magnitude), position) : null;
        return magnitude <= long.MaxValue
            ? new NumberValueSyntax((long)magnitude, position)
            : new NumberValueSyntax(unchecked((long)magnitude), position, Unsigned64: true);
    }

    private static bool TryParseNumber(string text, out ulong value)
    {
        value = 0;
        if (text.Length == 0 || !char.IsDigit(text[0]))
            return false;
        int radix = 10, start = 0;
        if (text.Length > 1 && text[0] == '0')
        {
            bool hex = text[1] is 'x' or 'X';
            radix = hex ? 16 : 8;
            start = hex ? 2 : 1;
        }
        if (start == text.Length)
            return false; // "0x"
        for (int i = start; i < text.Length; i++)
        {
            char c = text[i];
            int digit = c is >= '0' and <= '9' ? c - '0' : c is >= 'a' and <= 'f' ? c - 'a' + 10 : c is >= 'A' and <= 'F' ? c - 'A' + 10 : radix;
            if (digit >= radix || value > (ulong.MaxValue - (ulong)digit) / (ulong)radix)
                return false;
            value = value * (ulong)radix + (ulong)digit;
        }
        return true;
    }

    /// <summary>A constant: a number or the name of a constant or enum member.</summary>
    private static readonly Parser<ValueSyntax> Value = input =>
    {
        var position = Here(input).Value;
        var name = Identifier(input);
        if (name.WasSuccessful)
            return Result.Success<ValueSyntax>(new NameValueSyntax(name.Value, position), name.Remainder);
        var number = Number(input);
        if (number.WasSuccessful)
            return Result.Success<ValueSyntax>(number.Value, number.Remainder);
        return number.Expectations.Contains(NotANumber)
            ? Result.Failure<ValueSyntax>(input, "not a constant", new[] { "a number or constant name" })
            : Result.Failure<ValueSyntax>(input, number.Message, number.Expectations);
    };

    // ---- Types and declarations (RFC 4506 §6.3) ----

    private static Parser<TypeSpecSyntax> Simple(TypeSpecKind kind, string keyword) =>
        from position in Here
        from kw in Keyword(keyword)
        select new TypeSpecSyntax(kind, position);

    /// <summary>
    /// <c>unsigned</c> alone or before int, hyper, and (rpcgen) char, short, long. rpcgen's char, short and long
    /// go through xdr_char, xdr_short, xdr_long, which all put a 4-byte int on the wire: they are int here.
    /// </summary>
    private static readonly Parser<TypeSpecSyntax> Unsigned =
        from position in Here
        from kw in Keyword("unsigned")
        from size in Keyword("int").Return(TypeSpecKind.UnsignedInt)
            .Or(Keyword("hyper").Then(_ => OptionalInt).Return(TypeSpecKind.UnsignedHyper))
            .Or(Keyword("char").Return(TypeSpecKind.UnsignedInt))
            .Or(Keyword("short").Then(_ => OptionalInt).Return(TypeSpecKind.UnsignedInt))
            .Or(Keyword("long").Then(_ => OptionalInt).Return(TypeSpecKind.UnsignedInt))
            .Optional()
        select new TypeSpecSyntax(size.GetOrElse(TypeSpecKind.UnsignedInt), position);

    /// <summary>The <c>int</c> rpcgen allows after short, long and hyper (<c>long int</c>).</summary>
    private static readonly Parser<string> OptionalInt = Keyword("int").Optional().Return("");

    /// <summary>rpcgen's C integer types that are not XDR keywords: char, short, long (4 bytes each on the wire).</summary>
    private static Parser<TypeSpecSyntax> CInteger(string keyword) =>
        from position in Here
        from kw in Keyword(keyword)
        from suffix in keyword == "char" ? Parse.Return<string>("") : OptionalInt
        select new TypeSpecSyntax(TypeSpecKind.Int, position);

    /// <summary><c>struct NAME</c>, <c>union NAME</c> or <c>enum NAME</c> used as a type, as rpcgen allows (C's tags).</summary>
    private static Parser<TypeSpecSyntax> TagReference(TagKind tag, SourcePosition position) =>
        from namePosition in Here
        from name in Identifier
        select new TypeSpecSyntax(TypeSpecKind.Named, namePosition, Name: name, Tag: tag);

    /// <summary>A member; rpcgen, like C, lets the value be left out (null here; <see cref="EnumBody"/> fills it in).</summary>
    private static readonly Parser<(string Name, ValueSyntax? Value, SourcePosition Position)> EnumMember =
        from position in Here
        from name in Identifier
        from value in (from eq in Symbol('=') from value in Value select value).XOptional()
        select (name, value.GetOrDefault(), position);

    private static readonly Parser<EnumBodySyntax> EnumBody =
        from open in Symbol('{')
        from members in EnumMember.XDelimitedBy(Symbol(','))
        from close in Symbol('}')
        select new EnumBodySyntax(ImplicitValues(members).ToEquatableArray());

    /// <summary>C's rule for a member without a value: 0 if first, else the previous member's value plus one.</summary>
    private static IEnumerable<EnumMemberSyntax> ImplicitValues(IEnumerable<(string Name, ValueSyntax? Value, SourcePosition Position)> members)
    {
        EnumMemberSyntax? previous = null;
        foreach (var (name, value, position) in members)
        {
            var resolved = value
                ?? (previous is null
                    ? new NumberValueSyntax(0, position)
                    : new SumValueSyntax(new NameValueSyntax(previous.Name, position), false, new NumberValueSyntax(1, position), position));
            previous = new EnumMemberSyntax(name, resolved, position);
            yield return previous;
        }
    }

    private static readonly Parser<StructBodySyntax> StructBody =
        from open in Symbol('{')
        from fields in (from field in Nested(() => Declaration!) from semi in Symbol(';') select field).XAtLeastOnce()
        from close in Symbol('}')
        select new StructBodySyntax(fields.ToEquatableArray());

    private static readonly Parser<ValueSyntax> CaseLabel =
        from kw in Keyword("case")
        from value in Value
        from colon in Symbol(':')
        select value;

    private static readonly Parser<CaseSyntax> CaseSpec =
        from values in CaseLabel.XAtLeastOnce()
        from arm in Nested(() => Declaration!)
        from semi in Symbol(';')
        select new CaseSyntax(values.ToEquatableArray(), arm);

    private static readonly Parser<DeclarationSyntax> DefaultArm =
        from kw in Keyword("default")
        from colon in Symbol(':')
        from arm in Nested(() => Declaration!)
        from semi in Symbol(';')
        select arm;

    private static readonly Parser<UnionBodySyntax> UnionBody =
        from kw in Keyword("switch")
        from open in Symbol('(')
        from discriminant in Nested(() => Declaration!)
        from close in Symbol(')')
        from openBody in Symbol('{')
        from cases in CaseSpec.XAtLeastOnce()
        from defaultArm in DefaultArm.XOptional()
        from closeBody in Symbol('}')
        select new UnionBodySyntax(discriminant, cases.ToEquatableArray(), defaultArm.GetOrDefault());

    private static readonly Parser<TypeSpecSyntax> TypeSpecifier =
        Unsigned
            .XOr(Simple(TypeSpecKind.Int, "int"))
            .XOr(from position in Here from kw in Keyword("hyper") from suffix in OptionalInt select new TypeSpecSyntax(TypeSpecKind.Hyper, position))
            .XOr(CInteger("char"))
            .XOr(CInteger("short"))
            .XOr(CInteger("long"))
            .XOr(Simple(TypeSpecKind.Float, "float"))
            .XOr(Simple(TypeSpecKind.Double, "double"))
            .XOr(Simple(TypeSpecKind.Quadruple, "quadruple"))
            .XOr(Simple(TypeSpecKind.Bool, "bool"))
            .XOr(from position in Here from kw in Keyword("enum")
                 from type in EnumBody.Select(body => new TypeSpecSyntax(TypeSpecKind.Enum, position, Enum: body)).XOr(TagReference(TagKind.Enum, position))
                 select type)
            .XOr(from position in Here from kw in Keyword("struct")
                 from type in StructBody.Select(body => new TypeSpecSyntax(TypeSpecKind.Struct, position, Struct: body)).XOr(TagReference(TagKind.Struct, position))
                 select type)
            .XOr(from position in Here from kw in Keyword("union")
                 from type in UnionBody.Select(body => new TypeSpecSyntax(TypeSpecKind.Union, position, Union: body)).XOr(TagReference(TagKind.Union, position))
                 select type)
            .XOr(from position in Here from name in Identifier
                 select new TypeSpecSyntax(TypeSpecKind.Named, position, Name: name))
            .Named("a type");

    private static readonly Parser<(DeclarationKind Kind, ValueSyntax? Size)> ArraySuffix =
        (from open in Symbol('[') from size in Value.XOptional() from close in Symbol(']')
         select (DeclarationKind.FixedArray, (ValueSyntax?)size.GetOrDefault()))
        .XOr(from open in Symbol('<') from size in Value.XOptional() from close in Symbol('>')
             select (DeclarationKind.VariableArray, (ValueSyntax?)size.GetOrDefault()));

    private static Parser<DeclarationSyntax> OpaqueLike(string keyword, TypeSpecKind kind) =>
        from position in Here
        from kw in Keyword(keyword)
        from namePosition in Here
        from name in Identifier
        from suffix in ArraySuffix
        select new DeclarationSyntax(suffix.Kind, new TypeSpecSyntax(kind, position), name, suffix.Size, position, namePosition);

    /// <summary>What follows the type in a declaration: <c>*name</c>, or <c>name</c> with an optional array suffix.</summary>
    private static Parser<DeclarationSyntax> Declarator(TypeSpecSyntax type, SourcePosition position) =>
        (from star in Symbol('*')
         from namePosition in Here
         from name in Identifier
         select new DeclarationSyntax(DeclarationKind.Optional, type, name, null, position, namePosition))
        .XOr(from namePosition in Here
             from name in Identifier
             from suffix in ArraySuffix.XOptional()
             select suffix.IsDefined
                 ? new DeclarationSyntax(suffix.Get().Kind, type, name, suffix.Get().Size, position, namePosition)
                 : new DeclarationSyntax(DeclarationKind.Plain, type, name, null, position, namePosition));

    private static readonly Parser<DeclarationSyntax> Declaration =
        (from position in Here
         from kw in Keyword("void")
         select new DeclarationSyntax(DeclarationKind.Void, new TypeSpecSyntax(TypeSpecKind.Void, position), "", null, position, position))
        .XOr(OpaqueLike("opaque", TypeSpecKind.Opaque))
        .XOr(OpaqueLike("string", TypeSpecKind.String))
        .XOr(from position in Here
             from type in TypeSpecifier
             from declaration in Declarator(type, position)
             select declaration)
        .Named("a declaration");

    // ---- Definitions (RFC 4506 §6.3, RFC 5531 §12); each is positioned at the name it defines ----

    private static readonly Parser<DefinitionSyntax> ConstDefinition =
        from kw in Keyword("const")
        from position in Here
        from name in Identifier
        from eq in Symbol('=')
        from value in StringConstant.XOr(Value)
        from semi in Symbol(';')
        select (DefinitionSyntax)new ConstSyntax(name, value, position);

    /// <summary>A string constant: rpcgen copies it into a C #define; no escapes beyond what C allows, and no newline.</summary>
    private static readonly Parser<ValueSyntax> StringConstant =
        from position in Here
        from open in Parse.Char('"')
        from text in Parse.CharExcept("\"\n").Many().Text()
        from close in Token(Parse.Char('"')).Named("'\"'")
        select (ValueSyntax)new StringValueSyntax(text, position);

    private static readonly Parser<DefinitionSyntax> TypedefDefinition =
        from kw in Keyword("typedef")
        from declaration in Declaration
        from semi in Symbol(';')
        select (DefinitionSyntax)new TypedefSyntax(declaration);

    private static readonly Parser<DefinitionSyntax> EnumDefinition =
        from kw in Keyword("enum")
        from position in Here
        from name in Identifier
        from body in EnumBody
        from semi in Symbol(';')
        select (DefinitionSyntax)new EnumSyntax(name, body, position);

    private static readonly Parser<DefinitionSyntax> StructDefinition =
        from kw in Keyword("struct")
        from position in Here
        from name in Identifier
        from body in StructBody
        from semi in Symbol(';')
        select (DefinitionSyntax)new StructSyntax(name, body, position);

    private static readonly Parser<DefinitionSyntax> UnionDefinition =
        from kw in Keyword("union")
        from position in Here
        from name in Identifier
        from body in UnionBody
        from semi in Symbol(';')
        select (DefinitionSyntax)new UnionSyntax(name, body, position);

    private static readonly Parser<TypeSpecSyntax> VoidOrType =
        (from position in Here from kw in Keyword("void") select new TypeSpecSyntax(TypeSpecKind.Void, position))
        .XOr(TypeSpecifier);

    private static readonly Parser<ProcedureSyntax> Procedure =
        from result in VoidOrType
        from position in Here
        from name in Identifier
        from open in Symbol('(')
        from arguments in VoidOrType.XDelimitedBy(Symbol(','))
        from close in Symbol(')')
        from eq in Symbol('=')
        from number in Value
        from semi in Symbol(';')
        select new ProcedureSyntax(name, result, arguments.ToEquatableArray(), number, position);

    private static readonly Parser<VersionSyntax> Version =
        from kw in Keyword("version")
        from position in Here
        from name in Identifier
        from open in Symbol('{')
        from procedures in Procedure.XAtLeastOnce()
        from close in Symbol('}')
        from eq in Symbol('=')
        from number in Value
        from semi in Symbol(';')
        select new VersionSyntax(name, procedures.ToEquatableArray(), number, position);

    private static readonly Parser<DefinitionSyntax> ProgramDefinition =
        from kw in Keyword("program")
        from position in Here
        from name in Identifier
        from open in Symbol('{')
        from versions in Version.XAtLeastOnce()
        from close in Symbol('}')
        from eq in Symbol('=')
        from number in Value
        from semi in Symbol(';')
        select (DefinitionSyntax)new ProgramSyntax(name, versions.ToEquatableArray(), number, position);

    private static readonly Parser<DefinitionSyntax> Definition =
        ConstDefinition
            .XOr(TypedefDefinition)
            .XOr(EnumDefinition)
            .XOr(StructDefinition)
            .XOr(UnionDefinition)
            .XOr(ProgramDefinition)
            .Named("a definition (const, typedef, enum, struct, union or program)");
}
