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
        // rpcbind.x (RFC 1833): its strings carry no bound (the record's size bounds them)
        ["Rpcb.RNetid"] = XdrBound.Unbounded,                                  // string r_netid<>
        ["Rpcb.RAddr"] = XdrBound.Unbounded,                                   // string r_addr<>
        ["Rpcb.ROwner"] = XdrBound.Unbounded,                                  // string r_owner<>
        ["Uaddr.Value"] = XdrBound.Unbounded,                                  // typedef string uaddr<>
        // nfs4_prot.x (RFC 5662): its opaque and string typedefs are structs wrapping the bytes (Value)
        ["Attrlist4.Value"] = XdrBound.Unbounded,                              // opaque attrlist4<>
        ["NfsFh4.Value"] = XdrBound.AtMost(Nfs4ProtConstants.Nfs4Fhsize),      // opaque nfs_fh4<NFS4_FHSIZE>
        ["Fattr4Filehandle.Value"] = XdrBound.AtMost(Nfs4ProtConstants.Nfs4Fhsize), // typedef nfs_fh4 fattr4_filehandle
        ["SecOid4.Value"] = XdrBound.Unbounded,                                // opaque sec_oid4<>
        ["Sessionid4.Value"] = XdrBound.Fixed(Nfs4ProtConstants.Nfs4SessionidSize), // opaque sessionid4[NFS4_SESSIONID_SIZE]
        ["Verifier4.Value"] = XdrBound.Fixed(Nfs4ProtConstants.Nfs4VerifierSize),   // opaque verifier4[NFS4_VERIFIER_SIZE]
        ["Deviceid4.Value"] = XdrBound.Fixed(Nfs4ProtConstants.Nfs4Deviceid4Size),  // opaque deviceid4[NFS4_DEVICEID4_SIZE]
        ["Utf8string.Value"] = XdrBound.Unbounded,                             // opaque utf8string<>, and its typedefs:
        ["Utf8strCis.Value"] = XdrBound.Unbounded,
        ["Utf8strCs.Value"] = XdrBound.Unbounded,
        ["Utf8strMixed.Value"] = XdrBound.Unbounded,
        ["Component4.Value"] = XdrBound.Unbounded,
        ["Linktext4.Value"] = XdrBound.Unbounded,
        ["Fattr4Mimetype.Value"] = XdrBound.Unbounded,
        ["Fattr4Owner.Value"] = XdrBound.Unbounded,
        ["Fattr4OwnerGroup.Value"] = XdrBound.Unbounded,
        ["Gsshandle4T.Value"] = XdrBound.Unbounded,                            // opaque gsshandle4_t<>
        ["Notifylist4.Value"] = XdrBound.Unbounded,                            // opaque notifylist4<>
        ["Netaddr4.NaRNetid"] = XdrBound.Unbounded,                            // string na_r_netid<>
        ["Netaddr4.NaRAddr"] = XdrBound.Unbounded,                             // string na_r_addr<>
        ["Stateid4.Other"] = XdrBound.Fixed(12),                               // opaque other[12]
        ["LayoutContent4.LocBody"] = XdrBound.Unbounded,                       // opaque loc_body<>
        ["Layouthint4.LohBody"] = XdrBound.Unbounded,
        ["DeviceAddr4.DaAddrBody"] = XdrBound.Unbounded,
        ["Layoutupdate4.LouBody"] = XdrBound.Unbounded,
        ["LayoutreturnFile4.LrfBody"] = XdrBound.Unbounded,
        ["ThresholdItem4.ThiHintlist"] = XdrBound.Unbounded,
        ["NfsClientId4.Id"] = XdrBound.AtMost(Nfs4ProtConstants.Nfs4OpaqueLimit),  // opaque id<NFS4_OPAQUE_LIMIT>
        ["ClientOwner4.CoOwnerid"] = XdrBound.AtMost(Nfs4ProtConstants.Nfs4OpaqueLimit),
        ["ServerOwner4.SoMajorId"] = XdrBound.AtMost(Nfs4ProtConstants.Nfs4OpaqueLimit),
        ["StateOwner4.Owner"] = XdrBound.AtMost(Nfs4ProtConstants.Nfs4OpaqueLimit),
        ["ExchangeId4Resok.EirServerScope"] = XdrBound.AtMost(Nfs4ProtConstants.Nfs4OpaqueLimit),
        ["SsvMicPlainTkn4.SmptOrigPlain"] = XdrBound.Unbounded,
        ["SsvMicTkn4.SmtHmac"] = XdrBound.Unbounded,
        ["SsvSealPlainTkn4.SsptConfounder"] = XdrBound.Unbounded,
        ["SsvSealPlainTkn4.SsptOrigPlain"] = XdrBound.Unbounded,
        ["SsvSealPlainTkn4.SsptPad"] = XdrBound.Unbounded,
        ["SsvSealCipherTkn4.SsctIv"] = XdrBound.Unbounded,
        ["SsvSealCipherTkn4.SsctEncrData"] = XdrBound.Unbounded,
        ["SsvSealCipherTkn4.SsctHmac"] = XdrBound.Unbounded,
        ["FsLocationsServer4.FlsInfo"] = XdrBound.Unbounded,
        ["Read4Resok.Data"] = XdrBound.Unbounded,                              // opaque data<>
        ["Write4Args.Data"] = XdrBound.Unbounded,
        ["SetSsv4Args.SsaSsv"] = XdrBound.Unbounded,
        ["SetSsv4Args.SsaDigest"] = XdrBound.Unbounded,
        ["SetSsv4Resok.SsrDigest"] = XdrBound.Unbounded,
        // Idl/probe.x (this test project)
        ["ProbeShapes.Odd"] = XdrBound.Fixed(3),
        ["ProbeShapes.Label"] = XdrBound.AtMost(5),
    };

    private static readonly Dictionary<string, XdrBound> Arrays = new()
    {
        ["AuthsysParms.Gids"] = XdrBound.AtMost(16),                           // unsigned int gids<16>
        ["Mountres3Ok.AuthFlavors"] = XdrBound.Unbounded,                      // int auth_flavors<>
        // nfs4_prot.x: the arrays of at most one element (the rest are <>)
        ["RetentionGet4.RgBeginTime"] = XdrBound.AtMost(1),                    // nfstime4 rg_begin_time<1>
        ["RetentionSet4.RsDuration"] = XdrBound.AtMost(1),                     // uint64_t rs_duration<1>
        ["ExchangeId4Args.EiaClientImplId"] = XdrBound.AtMost(1),              // nfs_impl_id4 eia_client_impl_id<1>
        ["ExchangeId4Resok.EirServerImplId"] = XdrBound.AtMost(1),
        ["ChannelAttrs4.CaRdmaIrd"] = XdrBound.AtMost(1),                      // uint32_t ca_rdma_ird<1>
        ["NotifyAdd4.NadOldEntry"] = XdrBound.AtMost(1),                       // notify_remove4 nad_old_entry<1>
        ["NotifyAdd4.NadNewEntryCookie"] = XdrBound.AtMost(1),
        ["NotifyAdd4.NadPrevEntry"] = XdrBound.AtMost(1),
        // Idl/probe.x (this test project)
        ["ProbeShapes.Pair"] = XdrBound.Fixed(2),
        ["ProbeShapes.Counted"] = XdrBound.AtMost(3),
    };

    /// <summary>
    /// The discriminant values with an arm, for the unions whose discriminant can take values they have no arm
    /// for and that have no default arm (any other value is UnknownDiscriminant), or whose interesting arm a
    /// random unsigned int would never hit. Every other union switches on an enum whose declared values all have
    /// arms, or has a default arm.
    /// </summary>
    private static readonly Dictionary<string, object[]> Discriminants = new()
    {
        // nfs4_prot.x
        ["CallbackSecParms4.CbSecflavor"] = [0u, 1u, 6u],                     // AUTH_NONE, AUTH_SYS, RPCSEC_GSS
        ["Secinfo4.Flavor"] = [6u, 1u],                                         // RPCSEC_GSS, and AUTH_SYS (the default arm)
        ["DelegClaim4.DcClaim"] = [OpenClaimType4.ClaimFh, OpenClaimType4.ClaimDelegPrevFh, OpenClaimType4.ClaimPrevious],
        ["NfsCbArgop4.Argop"] = NfsCbOperations,                               // switch (unsigned argop): the nfs_cb_opnum4 values
        ["NfsCbResop4.Resop"] = NfsCbOperations,
    };

    private static object[] NfsCbOperations => Enum.GetValues<NfsCbOpnum4>().Select(op => (object)(uint)op).ToArray();

    /// <summary>The values <paramref name="field"/>, a union discriminant, has arms for, if it is listed.</summary>
    public static bool TryGetDiscriminants(FieldInfo field, out object[] values) => Discriminants.TryGetValue(Key(field), out values!);

    public static string Key(MemberInfo member) => member.DeclaringType!.Name + "." + member.Name;

    public static bool TryGetOpaque(MemberInfo member, out XdrBound bound) => Opaque.TryGetValue(Key(member), out bound);

    /// <summary>True for the C# types an opaque or string is generated as: a slice, or a value held inline (at most 64 bytes).</summary>
    public static bool IsOpaque(Type type) => type == typeof(ReadOnlyMemory<byte>) || IsInlineOpaque(type);

    public static bool IsInlineOpaque(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(InlineOpaque<>);

    /// <summary>Arrays not listed are self-linked lists or unbounded arrays.</summary>
    public static XdrBound Array(MemberInfo member) => Arrays.GetValueOrDefault(Key(member), XdrBound.Unbounded);

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
