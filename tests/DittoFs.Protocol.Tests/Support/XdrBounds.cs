using System.Reflection;
using System.Text.RegularExpressions;
using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests.Support;

/// <summary>How many bytes (opaque, string) or elements (array) a field may carry on the wire.</summary>
public readonly record struct XdrBound(XdrBoundKind Kind, int Limit)
{
    public static XdrBound Fixed(int length) => new(XdrBoundKind.Fixed, length);
    public static XdrBound AtMost(int limit) => new(XdrBoundKind.AtMost, limit);
    public static readonly XdrBound Unbounded = new(XdrBoundKind.Unbounded, int.MaxValue);
}

public enum XdrBoundKind
{
    Fixed,
    AtMost,
    Unbounded,
}

/// <summary>
/// The declared bounds of the opaque, string and array fields of the generated types, written out from
/// idl/*.x (the generated C# keeps them only inside its Read and Write methods). A test checks that every
/// opaque field of the protocol assembly is listed, so a new field cannot be generated with a guess.
/// </summary>
public static class XdrBounds
{
    private static readonly Dictionary<string, XdrBound> Opaque = new()
    {
        // rpc_prot.x
        ["OpaqueAuth.Body"] = XdrBound.AtMost(RpcProtConstants.MaxAuthBytes), // opaque body<MAX_AUTH_BYTES>
        ["AuthsysParms.Machinename"] = XdrBound.AtMost(255),                   // string machinename<255>
        ["AcceptedReplyReplyData.Results"] = XdrBound.Fixed(0),                // opaque results[0]
        // portmap.x
        ["CallArgs.Args"] = XdrBound.Unbounded,                                // opaque args<>
        ["CallResult.Res"] = XdrBound.Unbounded,                               // opaque res<>
        // mount3.x: its typedefs are structs wrapping the bytes (Value)
        ["Fhandle3.Value"] = XdrBound.AtMost(64),                              // opaque fhandle3<FHSIZE3>
        ["Name.Value"] = XdrBound.AtMost(255),                                 // string name<MNTNAMLEN>
        ["Dirpath.Value"] = XdrBound.AtMost(1024),                             // string dirpath<MNTPATHLEN>
        // nfs3.x
        ["NfsFh3.Data"] = XdrBound.AtMost(Nfs3Constants.Nfs3Fhsize),
        ["Filename3.Value"] = XdrBound.AtMost(Nfs3Constants.DittoMaxnamlen),
        ["Nfspath3.Value"] = XdrBound.AtMost(Nfs3Constants.DittoMaxpathlen),
        ["Read3Resok.Data"] = XdrBound.Unbounded,                              // opaque data<>
        ["Write3Args.Data"] = XdrBound.Unbounded,
        ["Writeverf3.Value"] = XdrBound.Fixed(Nfs3Constants.Nfs3Writeverfsize),
        ["Createverf3.Value"] = XdrBound.Fixed(Nfs3Constants.Nfs3Createverfsize),
        ["Cookieverf3.Value"] = XdrBound.Fixed(Nfs3Constants.Nfs3Cookieverfsize),
        // nlm_prot.x
        ["Netobj.Value"] = XdrBound.AtMost(NlmProtConstants.MaxnetobjSz),     // opaque netobj<MAXNETOBJ_SZ>
        ["NlmLock.CallerName"] = XdrBound.AtMost(NlmProtConstants.LmMaxstrlen), // string caller_name<LM_MAXSTRLEN>
        ["Nlm4Lock.CallerName"] = XdrBound.AtMost(NlmProtConstants.LmMaxstrlen),
        ["NlmShare.CallerName"] = XdrBound.AtMost(NlmProtConstants.LmMaxstrlen),
        ["Nlm4Share.CallerName"] = XdrBound.AtMost(NlmProtConstants.LmMaxstrlen),
        ["NlmNotify.Name"] = XdrBound.AtMost(NlmProtConstants.LmMaxnamelen),   // string name<LM_MAXNAMELEN>
        ["Nlm4Notify.Name"] = XdrBound.AtMost(NlmProtConstants.LmMaxnamelen),
        // sm_inter.x
        ["SmName.MonName"] = XdrBound.AtMost(SmInterConstants.SmMaxstrlen),   // string mon_name<SM_MAXSTRLEN>
        ["MonId.MonName"] = XdrBound.AtMost(SmInterConstants.SmMaxstrlen),
        ["MyId.MyName"] = XdrBound.AtMost(SmInterConstants.SmMaxstrlen),
        ["StatChge.MonName"] = XdrBound.AtMost(SmInterConstants.SmMaxstrlen),
        ["Status.MonName"] = XdrBound.AtMost(SmInterConstants.SmMaxstrlen),
        ["Mon.Priv"] = XdrBound.Fixed(16),                                     // opaque priv[16]
        ["Status.Priv"] = XdrBound.Fixed(16),
        // Idl/probe.x (this test project)
        ["ProbeShapes.Odd"] = XdrBound.Fixed(3),
        ["ProbeShapes.Label"] = XdrBound.AtMost(5),
    };

    private static readonly Dictionary<string, XdrBound> Arrays = new()
    {
        ["AuthsysParms.Gids"] = XdrBound.AtMost(16),                           // unsigned int gids<16>
        ["Mountres3Ok.AuthFlavors"] = XdrBound.Unbounded,                      // int auth_flavors<>
        // Idl/probe.x (this test project)
        ["ProbeShapes.Pair"] = XdrBound.Fixed(2),
        ["ProbeShapes.Counted"] = XdrBound.AtMost(3),
    };

    public static string Key(FieldInfo field) => field.DeclaringType!.Name + "." + field.Name;

    public static bool TryGetOpaque(FieldInfo field, out XdrBound bound) => Opaque.TryGetValue(Key(field), out bound);

    /// <summary>True for the C# types an opaque or string is generated as: a slice, or a value held inline (at most 64 bytes).</summary>
    public static bool IsOpaque(Type type) => type == typeof(ReadOnlyMemory<byte>) || IsInlineOpaque(type);

    public static bool IsInlineOpaque(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(InlineOpaque<>);

    /// <summary>Arrays not listed are self-linked lists or unbounded arrays.</summary>
    public static XdrBound Array(FieldInfo field) => Arrays.GetValueOrDefault(Key(field), XdrBound.Unbounded);

    /// <summary>
    /// The bound of a shared codec, which carries it in its name: XdrOpaqueUpTo1024Codec, XdrInlineOpaqueUpTo64Codec,
    /// XdrFixedOpaque8Codec, XdrListUpTo16OfUInt32Codec, XdrArrayOf4OfInt32Codec.
    /// </summary>
    public static XdrBound OfSharedCodec(Type codec)
    {
        var match = Regex.Match(codec.Name, @"^Xdr(?:OpaqueUpTo|InlineOpaqueUpTo|ListUpTo)(\d+)");
        if (match.Success)
            return XdrBound.AtMost(int.Parse(match.Groups[1].Value));
        match = Regex.Match(codec.Name, @"^Xdr(?:FixedOpaque|ArrayOf)(\d+)");
        return match.Success ? XdrBound.Fixed(int.Parse(match.Groups[1].Value)) : XdrBound.Unbounded;
    }
}
