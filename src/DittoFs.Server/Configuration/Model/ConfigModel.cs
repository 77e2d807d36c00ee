using System.Reflection;
using YamlDotNet.Serialization.NamingConventions;

namespace DittoFs.Server.Configuration.Model;

/// <summary>
/// The configuration's keys as one tree, read from the properties of <see cref="DittoConfig"/> and their attributes
/// (<see cref="KeyAttribute"/>, <see cref="RangeAttribute"/>, ...): names (snake_case), shapes, rules, defaults (the
/// properties' initial values) and descriptions. Everything that checks, writes or documents the configuration walks
/// this tree.
/// </summary>
public static class ConfigModel
{
    public static SectionShape Root { get; } = (SectionShape)ShapeOf(typeof(DittoConfig), null);

    /// <summary>Every key of the tree with its path ("server.log_level", "metadata.stores.NAME.type", "shares[].name").</summary>
    public static IEnumerable<(string Path, ConfigKey Key)> Keys() => Keys(Root, "");

    private static IEnumerable<(string, ConfigKey)> Keys(SectionShape section, string prefix)
    {
        foreach (var key in section.Keys)
        {
            string path = prefix + key.Name;
            yield return (path, key);
            var inner = key.Shape switch
            {
                MapShape { Value: SectionShape value } => (value, path + ".NAME."),
                ListShape { Item: SectionShape item } => (item, path + "[]."),
                SectionShape nested => (nested, path + "."),
                _ => ((SectionShape?)null, ""),
            };
            if (inner.Item1 is not null)
                foreach (var pair in Keys(inner.Item1, inner.Item2))
                    yield return pair;
        }
    }

    /// <summary>The key path that <paramref name="flag"/> replaces, e.g. "server.port" for "--port".</summary>
    public static string PathOfFlag(string flag) =>
        Keys().Where(k => k.Key.Flag == flag).Select(k => k.Path).FirstOrDefault() ?? throw new InvalidOperationException($"no key has flag {flag}");

    /// <summary>The flag of key <paramref name="path"/>, or null.</summary>
    public static string? FlagOf(string path) => Keys().Where(k => k.Path == path).Select(k => k.Key.Flag).FirstOrDefault();

    internal static string NameOf(PropertyInfo property) => UnderscoredNamingConvention.Instance.Apply(property.Name);

    private static ConfigShape ShapeOf(Type type, PropertyInfo? property)
    {
        var nullable = Nullable.GetUnderlyingType(type);
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            return new MapShape(ShapeOf(type.GetGenericArguments()[1], property));
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
            return new ListShape(ShapeOf(type.GetGenericArguments()[0], property));
        if (type.IsClass && type != typeof(string))
        {
            var instance = Activator.CreateInstance(type)!;
            var keys = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Select(p => new ConfigKey(NameOf(p), p, ShapeOf(p.PropertyType, p), p.GetCustomAttribute<KeyAttribute>()
                    ?? throw new InvalidOperationException($"{type.Name}.{p.Name} has no [Key] description"), p.GetValue(instance)))
                .ToList();
            return new SectionShape(type, keys);
        }
        return new ScalarShape(ValueRule.For(nullable ?? type, property!), IsNullable(property!));
    }

    private static bool IsNullable(PropertyInfo property) =>
        new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable;
}

/// <summary>What a YAML node of the configuration must be.</summary>
public abstract record ConfigShape;

/// <summary>A mapping of fixed keys (a section such as server, or a store's settings), bound to a class.</summary>
public sealed record SectionShape(Type Type, IReadOnlyList<ConfigKey> Keys) : ConfigShape
{
    public ConfigKey? Find(string name) => Keys.FirstOrDefault(k => k.Name == name);
}

/// <summary>A mapping of names the operator chooses (stores) to values of one shape.</summary>
public sealed record MapShape(ConfigShape Value) : ConfigShape;

public sealed record ListShape(ConfigShape Item) : ConfigShape;

public sealed record ScalarShape(ValueRule Rule, bool Nullable) : ConfigShape;

/// <summary>One key: its name in the file, the property it sets, its shape, what it is and its default.</summary>
public sealed record ConfigKey(string Name, PropertyInfo Property, ConfigShape Shape, KeyAttribute About, object? Default)
{
    public string Description => About.Description;
    public bool Required => About.Required;
    public string? Flag => About.Flag;
}
