namespace DittoFs.Server.Configuration.Model;

// What a configuration key is, written on its property in DittoConfig.cs. ConfigModel reads these once; the checks of
// the loader, `dittofs config init`, the JSON Schema and docs/configuration.md all come from them, so a new key is one
// property with its attributes.

/// <summary>What the key does, for the annotated configuration, the schema and the reference (one sentence or two).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class KeyAttribute(string description) : Attribute
{
    public string Description { get; } = description;
    /// <summary>The key must be written (the default is no answer, e.g. a share's name).</summary>
    public bool Required { get; init; }
    /// <summary>The command-line flag that replaces this key, e.g. "--port".</summary>
    public string? Flag { get; init; }
}

/// <summary>An integer from <see cref="Min"/> to <see cref="Max"/>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RangeAttribute(long min, long max) : Attribute
{
    public long Min { get; } = min;
    public long Max { get; } = max;
}

/// <summary>One of these words, in any case; kept as written here (e.g. DEBUG, json).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OneOfAttribute(params string[] values) : Attribute
{
    public IReadOnlyList<string> Values { get; } = values;
}

/// <summary>A duration: "250ms", "30s", "5m", "1h" or a number of seconds, from <see cref="Min"/> to <see cref="Max"/> when given.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DurationAttribute : Attribute
{
    public string? Min { get; init; }
    public string? Max { get; init; }
    /// <summary>Zero is refused (a timeout that must end).</summary>
    public bool Positive { get; init; }
}

/// <summary>A size: "512KiB", "4MiB", "1GiB", "100B" or a number of bytes, from <see cref="Min"/> to <see cref="Max"/> when given.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SizeAttribute : Attribute
{
    public string? Min { get; init; }
    public string? Max { get; init; }
    /// <summary>0 is valid too, meaning none (a cache turned off); Min then bounds the other values.</summary>
    public bool ZeroMeansNone { get; init; }
}

/// <summary>An address or CIDR block such as 10.0.0.0/8.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class CidrAttribute : Attribute;

/// <summary>An address a listener binds (see <see cref="ListenAddress"/>): "", or an IP literal of this host.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListenAddressAttribute : Attribute;

/// <summary>A store type of this build (checked against the build's store types by the loader).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class StoreTypeAttribute(StoreKind kind) : Attribute
{
    public StoreKind Kind { get; } = kind;
}

public enum StoreKind { Metadata, Content }
