namespace DittoFs.Xdr.Generator.Model;

/// <summary>
/// The names a type declared inline (<c>struct { ... } point;</c>) gets: the owner's C# name plus the member's,
/// and the dotted path of the declaration (<c>holder.point</c>) as its wire name for docs and messages.
/// </summary>
internal readonly record struct InlineName(string CsName, string WireName)
{
    public InlineName Member(string name) => new(CsName + Names.Pascal(name), WireName + "." + name);
}
