using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using DittoFs.Server.Configuration.Model;

namespace DittoFs.Server.Configuration.Emit;

/// <summary>
/// The JSON Schema (2020-12) of the configuration, from <see cref="ConfigModel"/>: what editors use to complete and
/// check dittofs.yaml. Checked in as docs/dittofs.schema.json (a test keeps it equal to this); `dittofs config schema`
/// prints it.
/// </summary>
public static class ConfigSchema
{
    public static string Text() => Generate().ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";

    public static JsonObject Generate()
    {
        var schema = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["title"] = "DittoFs configuration (dittofs.yaml)",
        };
        foreach (var (name, value) in Section(ConfigModel.Root))
            schema[name] = value?.DeepClone();
        return schema;
    }

    private static JsonObject Of(ConfigShape shape) => shape switch
    {
        SectionShape section => Section(section),
        MapShape map => new JsonObject { ["type"] = "object", ["additionalProperties"] = Of(map.Value) },
        ListShape list => new JsonObject { ["type"] = "array", ["items"] = Of(list.Item) },
        ScalarShape { Nullable: true } scalar => new JsonObject { ["anyOf"] = new JsonArray(scalar.Rule.Schema(), new JsonObject { ["type"] = "null" }) },
        ScalarShape scalar => scalar.Rule.Schema(),
        _ => throw new InvalidOperationException(shape.ToString()),
    };

    private static JsonObject Section(SectionShape section)
    {
        var properties = new JsonObject();
        foreach (var key in section.Keys)
        {
            var property = new JsonObject { ["description"] = key.Description };
            foreach (var (name, value) in Of(key.Shape))
                property[name] = value?.DeepClone();
            if (key.Shape is ScalarShape or ListShape { Item: ScalarShape } && Default(key.Default) is { } defaultValue)
                property["default"] = defaultValue;
            properties[key.Name] = property;
        }
        var required = section.Keys.Where(k => k.Required).Select(k => (JsonNode)JsonValue.Create(k.Name)).ToArray();
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties, ["additionalProperties"] = false };
        if (required.Length > 0)
            schema["required"] = new JsonArray(required);
        return schema;
    }

    private static JsonNode? Default(object? value) => value switch
    {
        null => null,
        string text => JsonValue.Create(text),
        bool flag => JsonValue.Create(flag),
        int number => JsonValue.Create(number),
        uint number => JsonValue.Create(number),
        IEnumerable list => new JsonArray([.. list.Cast<object>().Select(Default)]),
        _ => throw new InvalidOperationException($"no JSON form for {value.GetType()}"),
    };
}
