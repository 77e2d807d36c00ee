using System.Globalization;
using System.Text.Json.Nodes;

namespace DittoFs.Server.Configuration.Model;

/// <summary>
/// What the text of one scalar key may be: read from a file, an environment variable or a flag the same way (words
/// in any case), with the one-line problem when it is not, and how the schema and the annotated file write it.
/// </summary>
public abstract class ValueRule
{
    /// <summary>What is valid, in words ("an integer from 0 to 65535").</summary>
    public abstract string Expected { get; }

    /// <summary>The value for the property, or the problem with <paramref name="text"/> (which says what is valid).</summary>
    public abstract bool TryRead(string text, out object? value, out string problem);

    /// <summary>The JSON Schema of the value (without description or default).</summary>
    public abstract JsonObject Schema();

    /// <summary>The value as YAML text.</summary>
    public virtual string Format(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        string s => YamlText.Quote(s),
        _ => throw new InvalidOperationException($"no YAML form for {value.GetType()}"),
    };

    public static ValueRule For(Type type, System.Reflection.PropertyInfo property)
    {
        T? Attribute<T>() where T : Attribute => (T?)System.Attribute.GetCustomAttribute(property, typeof(T));
        if (type == typeof(bool))
            return new BooleanRule();
        if (type == typeof(int) || type == typeof(uint))
        {
            var range = Attribute<RangeAttribute>();
            return new IntegerRule(type, range?.Min ?? (type == typeof(int) ? int.MinValue : 0), range?.Max ?? (type == typeof(int) ? int.MaxValue : uint.MaxValue));
        }
        if (type != typeof(string))
            throw new InvalidOperationException($"{property.DeclaringType!.Name}.{property.Name}: no rule for {type}");
        if (Attribute<OneOfAttribute>() is { } oneOf)
            return new ChoiceRule(oneOf.Values);
        if (Attribute<DurationAttribute>() is { } duration)
            return new DurationRule(duration.Min, duration.Max, duration.Positive);
        if (Attribute<SizeAttribute>() is { } size)
            return new SizeRule(size.Min, size.Max, size.ZeroMeansNone);
        if (Attribute<CidrAttribute>() is not null)
            return new CidrRule();
        if (Attribute<ListenAddressAttribute>() is not null)
            return new ListenAddressRule();
        if (Attribute<StoreTypeAttribute>() is { } store)
            return new StoreTypeRule(store.Kind);
        return new TextRule();
    }
}

public sealed class BooleanRule : ValueRule
{
    public override string Expected => "true or false";

    public override bool TryRead(string text, out object? value, out string problem)
    {
        (value, problem) = text.Trim().ToLowerInvariant() switch
        {
            "true" => ((object?)true, ""),
            "false" => (false, ""),
            _ => (null, $"'{text}' is not true or false"),
        };
        return value is not null;
    }

    public override JsonObject Schema() => new() { ["type"] = "boolean" };
}

public sealed class IntegerRule(Type type, long min, long max) : ValueRule
{
    public long Min { get; } = min;
    public long Max { get; } = max;

    public override string Expected => Max is int.MaxValue or uint.MaxValue ? $"an integer of {Min} or more" : $"an integer from {Min} to {Max}";

    public override bool TryRead(string text, out object? value, out string problem)
    {
        value = null;
        if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long number))
        {
            problem = $"'{text}' is not {Expected}";
            return false;
        }
        if (number < Min || number > Max)
        {
            problem = $"{number} is not between {Min} and {Max}";
            return false;
        }
        value = type == typeof(uint) ? (uint)number : (object)(int)number;
        problem = "";
        return true;
    }

    public override JsonObject Schema() => new() { ["type"] = "integer", ["minimum"] = Min, ["maximum"] = Max };
}

public sealed class TextRule : ValueRule
{
    public override string Expected => "text";

    public override bool TryRead(string text, out object? value, out string problem)
    {
        (value, problem) = (text, "");
        return true;
    }

    public override JsonObject Schema() => new() { ["type"] = "string" };
}

/// <summary>One word of a fixed list, in any case, kept as the list writes it.</summary>
public sealed class ChoiceRule(IReadOnlyList<string> values) : ValueRule
{
    public IReadOnlyList<string> Values { get; } = values;

    public override string Expected => "one of " + string.Join(", ", Values);

    /// <summary>A word of the list, plain (udp: true reads back as the word here).</summary>
    public override string Format(object? value) => (string)value!;

    public override bool TryRead(string text, out object? value, out string problem)
    {
        value = Values.FirstOrDefault(v => string.Equals(v, text.Trim(), StringComparison.OrdinalIgnoreCase));
        problem = value is null ? $"'{text}' is not {Expected}" : "";
        return value is not null;
    }

    /// <summary>
    /// The words as an enum (what editors complete), any casing of them by pattern, and YAML's true/false as
    /// booleans where they are words of the list (udp: false is a YAML boolean).
    /// </summary>
    public override JsonObject Schema()
    {
        var anyCase = string.Concat(Values.Select(v => "|" + string.Concat(v.Select(c => char.IsAsciiLetter(c) ? $"[{char.ToLowerInvariant(c)}{char.ToUpperInvariant(c)}]" : Escape(c)))));
        var choices = new JsonArray(new JsonObject { ["enum"] = new JsonArray([.. Values.Select(v => JsonValue.Create(v))]) },
            new JsonObject { ["type"] = "string", ["pattern"] = $"^({anyCase[1..]})$" });
        if (Values.Contains("true") && Values.Contains("false"))
            choices.Add(new JsonObject { ["type"] = "boolean" });
        return new JsonObject { ["anyOf"] = choices };
    }

    private static string Escape(char c) => char.IsAsciiDigit(c) ? c.ToString() : "\\" + c;
}

/// <summary>"250ms", "30s", "5m", "1h" or a number of seconds.</summary>
public sealed class DurationRule(string? min, string? max, bool positive) : ValueRule
{
    public override string Expected =>
        "a duration such as 30s, 5m, 250ms or 1h" + (min, max, positive) switch
        {
            (not null, not null, _) => $", from {min} to {max}",
            (not null, null, _) => $", at least {min}",
            (null, not null, _) => $", at most {max}",
            (null, null, true) => ", above 0s",
            _ => "",
        };

    public override bool TryRead(string text, out object? value, out string problem)
    {
        bool valid = ConfigLoader.TryParseDuration(text, out var duration)
            && (min is null || duration >= Bound.Duration(min))
            && (max is null || duration <= Bound.Duration(max))
            && (!positive || duration > TimeSpan.Zero);
        (value, problem) = valid ? (text.Trim(), "") : ((object?)null, $"'{text}' is not {Expected}");
        return valid;
    }

    public override JsonObject Schema() => NumberOrText(@"^\s*[0-9]+(\.[0-9]+)?(ms|s|m|h)?\s*$");

    internal static JsonObject NumberOrText(string pattern) => new()
    {
        ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "number", ["minimum"] = 0 }, new JsonObject { ["type"] = "string", ["pattern"] = pattern }),
    };
}

/// <summary>"512KiB", "4MiB", "1GiB", "100B" or a number of bytes.</summary>
public sealed class SizeRule(string? min, string? max, bool zeroMeansNone = false) : ValueRule
{
    public override string Expected =>
        "a size such as 512KiB, 4MiB or 1GiB" + (min, max) switch
        {
            (not null, not null) => $", from {min} to {max}",
            (not null, null) => $", at least {min}",
            (null, not null) => $", at most {max}",
            _ => "",
        } + (zeroMeansNone ? ", or 0 for none" : "");

    public override bool TryRead(string text, out object? value, out string problem)
    {
        bool valid = (zeroMeansNone && text.Trim() == "0")
            || (ConfigLoader.TryParseSize(text, out long bytes)
                && (min is null || bytes >= Bound.Size(min))
                && (max is null || bytes <= Bound.Size(max)));
        (value, problem) = valid ? (text.Trim(), "") : ((object?)null, $"'{text}' is not {Expected}");
        return valid;
    }

    public override JsonObject Schema() => DurationRule.NumberOrText(@"^\s*[0-9]+(B|KiB|MiB|GiB)?\s*$");
}

public sealed class CidrRule : ValueRule
{
    public override string Expected => "an address or CIDR block such as 10.0.0.0/8";

    public override bool TryRead(string text, out object? value, out string problem)
    {
        bool valid = ConfigLoader.TryParseCidr(text, out _);
        (value, problem) = valid ? (text.Trim(), "") : ((object?)null, $"'{text}' is not {Expected}");
        return valid;
    }

    public override JsonObject Schema() => new() { ["type"] = "string", ["pattern"] = @"^[0-9A-Fa-f.:]+(/[0-9]{1,3})?$" };
}

public sealed class ListenAddressRule : ValueRule
{
    public override string Expected => ListenAddress.Expected;

    public override bool TryRead(string text, out object? value, out string problem)
    {
        bool valid = ListenAddress.TryParse(text, out _);
        (value, problem) = valid ? (text.Trim(), "") : ((object?)null, $"'{text}' is not {Expected}");
        return valid;
    }

    public override JsonObject Schema() => new() { ["type"] = "string", ["pattern"] = @"^\s*\[?[0-9A-Fa-f.:]*\]?\s*$" };
}

/// <summary>A store type; which ones a build has is the loader's check (<see cref="StoreTypes"/>), the schema lists this build's.</summary>
public sealed class StoreTypeRule(StoreKind kind) : ValueRule
{
    public StoreKind Kind { get; } = kind;

    public IReadOnlyList<string> Types => Kind == StoreKind.Metadata ? StoreRegistry.AvailableTypes.Metadata : StoreRegistry.AvailableTypes.Content;

    public override string Expected => "one of " + string.Join(", ", Types);

    public override bool TryRead(string text, out object? value, out string problem)
    {
        (value, problem) = (text.Trim(), "");
        return true;
    }

    public override JsonObject Schema() => new() { ["enum"] = new JsonArray([.. Types.Select(t => JsonValue.Create(t))]) };
}

/// <summary>The bounds written in attributes, which must parse (a typo there is a programming error).</summary>
internal static class Bound
{
    public static TimeSpan Duration(string text) =>
        ConfigLoader.TryParseDuration(text, out var value) ? value : throw new InvalidOperationException($"bad duration bound '{text}'");

    public static long Size(string text) =>
        ConfigLoader.TryParseSize(text, out long value) ? value : throw new InvalidOperationException($"bad size bound '{text}'");
}
