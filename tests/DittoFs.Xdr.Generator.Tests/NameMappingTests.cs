using DittoFs.Xdr.Generator.Model;

namespace DittoFs.Xdr.Generator.Tests;

/// <summary>
/// The C# names of real identifiers from idl/*.x. Handwritten services use these names, so a change to the
/// mapping is a breaking change: this table pins it.
/// </summary>
public sealed class NameMappingTests
{
    [TestCase("nfs_fh3", "NfsFh3")]
    [TestCase("fattr3", "Fattr3")]
    [TestCase("post_op_attr", "PostOpAttr")]
    [TestCase("wcc_data", "WccData")]
    [TestCase("stable_how", "StableHow")]
    [TestCase("uint64", "Uint64")]
    [TestCase("GETATTR3args", "Getattr3Args")]
    [TestCase("GETATTR3res", "Getattr3Res")]
    [TestCase("GETATTR3resok", "Getattr3Resok")]
    [TestCase("SETATTR3resfail", "Setattr3Resfail")]
    [TestCase("READDIRPLUS3args", "Readdirplus3Args")]
    [TestCase("NFS3_OK", "Nfs3Ok")]
    [TestCase("NFS3ERR_NOENT", "Nfs3errNoent")]
    [TestCase("NFS3ERR_NAMETOOLONG", "Nfs3errNametoolong")]
    [TestCase("NF3REG", "Nf3reg")]
    [TestCase("SET_TO_CLIENT_TIME", "SetToClientTime")]
    [TestCase("FILE_SYNC", "FileSync")]
    [TestCase("ACCESS3_READ", "Access3Read")]
    [TestCase("NFS3_FHSIZE", "Nfs3Fhsize")]
    [TestCase("DITTO_MAXNAMLEN", "DittoMaxnamlen")]
    [TestCase("NFSPROC3_GETATTR", "Nfsproc3Getattr")]
    [TestCase("mountres3_ok", "Mountres3Ok")]
    [TestCase("mountstat3", "Mountstat3")]
    [TestCase("MNT3ERR_NAMETOOLONG", "Mnt3errNametoolong")]
    [TestCase("FHSIZE3", "Fhsize3")]
    [TestCase("rpc_msg", "RpcMsg")]
    [TestCase("opaque_auth", "OpaqueAuth")]
    [TestCase("authsys_parms", "AuthsysParms")]
    [TestCase("AUTH_SYS", "AuthSys")]
    [TestCase("RPCSEC_GSS", "RpcsecGss")]
    [TestCase("PMAP_PORT", "PmapPort")]
    [TestCase("pmaplist_ptr", "PmaplistPtr")]
    [TestCase("call_args", "CallArgs")]
    public void An_XDR_identifier_maps_to_its_pascal_case_name(string wire, string expected)
    {
        Assert.That(Names.Pascal(wire), Is.EqualTo(expected));
    }

    [TestCase("nfs3", "Nfs3")]
    [TestCase("rpc_prot", "RpcProt")]
    [TestCase("nfs-v3", "NfsV3")]
    [TestCase("3rd_party", "_3rdParty")]
    public void A_file_name_maps_to_a_valid_class_name_prefix(string fileStem, string expected)
    {
        Assert.That(Names.Pascal(fileStem), Is.EqualTo(expected));
    }

    [TestCase("/idl/nfs3.x", "nfs3")]
    [TestCase("/idl/rpc.prot.x", "rpc.prot")]
    [TestCase("/idl/odd name!.x", "odd_name_")]
    public void A_file_path_maps_to_a_valid_source_name(string path, string expected)
    {
        Assert.That(Names.FileStem(path), Is.EqualTo(expected));
    }
}
