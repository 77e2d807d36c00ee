using System.Linq;

namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// What the source of one .x file is emitted from: the definitions of that file. Of the other files it holds
/// only what its own definitions carry: the types they name (<see cref="TypeRef.Named"/>: C# name, wire
/// name, kind), with typedefs and constants already resolved into them, and struct sizes folded into
/// <see cref="StructModel.FixedSize"/>. So the slice is equal from one run to the next, and the file is not
/// emitted again, unless an edit changes what its source would say.
/// </summary>
internal sealed record FileModel(
    string Namespace,
    string Path,
    EquatableArray<ConstantModel> Constants,
    EquatableArray<EnumModel> Enums,
    EquatableArray<AliasModel> Aliases,
    EquatableArray<StructModel> Structs,
    EquatableArray<UnionModel> Unions,
    EquatableArray<ProgramModel> Programs)
{
    /// <summary>See <see cref="XdrModel.HintPrefix"/>.</summary>
    public string HintPrefix { get; init; } = "";

    public static FileModel Of(XdrModel model, string path) => new FileModel(
        model.Namespace,
        path,
        model.Constants.Where(c => c.File == path).ToEquatableArray(),
        model.Enums.Where(e => e.File == path).ToEquatableArray(),
        model.Aliases.Where(a => a.File == path).ToEquatableArray(),
        model.Structs.Where(s => s.File == path).ToEquatableArray(),
        model.Unions.Where(u => u.File == path).ToEquatableArray(),
        model.Programs.Where(p => p.File == path).ToEquatableArray()) { HintPrefix = model.HintPrefix };
}

/// <summary>
/// What the shared codecs source is emitted from: the opaque, list and optional types that need a codec type,
/// in the order emitted. Equal from one run to the next unless such a type is added or dropped.
/// </summary>
internal sealed record SharedCodecsModel(string Namespace, EquatableArray<TypeRef> Types)
{
    /// <summary>See <see cref="XdrModel.HintPrefix"/>.</summary>
    public string HintPrefix { get; init; } = "";
}
