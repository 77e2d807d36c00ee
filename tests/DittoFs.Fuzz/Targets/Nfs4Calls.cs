using System.Buffers.Binary;
using System.Text;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Fuzz.Targets;

/// <summary>
/// Valid NFSv4 COMPOUNDs (100003 v4, procedure 1) against an <see cref="NfsEnvironment"/>'s objects, encoded with the
/// generated codecs: 4.0 ones (no session; OPEN and RENEW as the environment's confirmed client) and 4.1 ones behind a
/// SEQUENCE in the environment's session. A SEQUENCE's sequence id is 0 in the seeds, which
/// <see cref="DispatchTarget"/> replaces with the slot's next id before the call, so that mutations of what follows
/// SEQUENCE reach the operations; a mutated non-zero id is sent as it is (replays, misordering).
/// </summary>
internal static class Nfs4Calls
{
    private const int Type = 1, Change = 3, Size = 4, Fsid = 8, Fileid = 20, Mode = 33, Owner = 36, TimeModify = 53;
    private static readonly Stateid4 Anonymous = new() { Seqid = 0, Other = new byte[12] };
    private static readonly Stateid4 Bypass = new() { Seqid = uint.MaxValue, Other = Enumerable.Repeat((byte)0xFF, 12).ToArray() };

    public static List<ValidCall> For(NfsEnvironment environment)
    {
        var calls = new List<ValidCall>();
        uint xid = 1000;
        void Add(string name, uint minorVersion, params NfsArgop4[] operations)
        {
            var arguments = XdrCodec.Encode(new Compound4Args { Tag = Encoding.UTF8.GetBytes(name), Minorversion = minorVersion, Argarray = operations });
            var (message, offset) = ValidCalls.Message(xid++, Nfs4V4Program.Program, Nfs4V4Program.Version, (uint)Nfs4V4Procedure.Compound, arguments, authNone: false);
            calls.Add(new ValidCall(name, Nfs4V4Program.Program, (uint)Nfs4V4Procedure.Compound, message, offset, typeof(Compound4Args), typeof(Compound4Res), Nfs4V4Program.Version));
        }
        void Add41(string name, uint slot, params NfsArgop4[] operations) =>
            Add(name, 1, [NfsArgop4.FromOpsequence(new Sequence4Args { SaSessionid = (InlineOpaque<InlineBytes16>)environment.Nfs4Session, SaSequenceid = 0, SaSlotid = slot, SaHighestSlotid = slot }), .. operations]);

        var root = new NfsArgop4(NfsOpnum4.OpPutrootfh);
        var getfh = new NfsArgop4(NfsOpnum4.OpGetfh);
        var file = PutFh(environment.File);
        var directory = PutFh(environment.Directory);
        var attributes = GetAttr(Type, Change, Size, Fsid, Fileid, Mode, Owner, TimeModify);
        var mode = new Fattr4 { Attrmask = Mask(Mode), AttrVals = (byte[])[0, 0, 1, 0xA4] };

        Add("", 0);
        Add("4.0 walk", 0, root, GetAttr(Type, Fsid), Lookup("export"), getfh, attributes, new NfsArgop4(NfsOpnum4.OpLookupp));
        Add("4.0 readdir", 0, root, Lookup("export"), Lookup("dir"), NfsArgop4.FromOpreaddir(new Readdir4Args
        {
            Cookie = 0, Cookieverf = new byte[8], Dircount = 1024, Maxcount = 4096, AttrRequest = Mask(Type, Fileid, Mode),
        }));
        Add("4.0 read", 0, file, NfsArgop4.FromOpread(new Read4Args { Stateid = Anonymous, Offset = 0, Count = 4096 }), attributes);
        Add("4.0 write", 0, file, NfsArgop4.FromOpwrite(new Write4Args { Stateid = Anonymous, Offset = 10, Stable = StableHow4.Unstable4, Data = "fuzz"u8.ToArray() }),
            NfsArgop4.FromOpcommit(new Commit4Args { Offset = 0, Count = 0 }));
        Add("4.0 setattr verify", 0, file, NfsArgop4.FromOpsetattr(new Setattr4Args { Stateid = Bypass, ObjAttributes = mode }),
            NfsArgop4.FromOpverify(new Verify4Args { ObjAttributes = mode }), NfsArgop4.FromOpnverify(new Nverify4Args { ObjAttributes = mode }));
        Add("4.0 create remove", 0, directory, NfsArgop4.FromOpcreate(new Create4Args
        {
            Objtype = new Createtype4 { Type = NfsFtype4.Nf4dir }, Objname = "sub"u8.ToArray(), Createattrs = mode,
        }), NfsArgop4.FromOpcreate(new Create4Args
        {
            Objtype = new Createtype4 { Type = NfsFtype4.Nf4lnk, Linkdata = "../file"u8.ToArray() }, Objname = "sym"u8.ToArray(), Createattrs = new Fattr4 { Attrmask = Array.Empty<uint>(), AttrVals = Array.Empty<byte>() },
        }), new NfsArgop4(NfsOpnum4.OpReadlink), directory, NfsArgop4.FromOpremove(new Remove4Args { Target = "victim"u8.ToArray() }));
        Add("4.0 rename link", 0, directory, new NfsArgop4(NfsOpnum4.OpSavefh), PutFh(environment.Root),
            NfsArgop4.FromOprename(new Rename4Args { Oldname = "entry-01"u8.ToArray(), Newname = "renamed"u8.ToArray() }),
            file, new NfsArgop4(NfsOpnum4.OpSavefh), directory, NfsArgop4.FromOplink(new Link4Args { Newname = "hard"u8.ToArray() }), new NfsArgop4(NfsOpnum4.OpRestorefh));
        Add("4.0 access secinfo", 0, PutFh(environment.Root), NfsArgop4.FromOpaccess(new Access4Args { Access = 0x3F }),
            NfsArgop4.FromOpsecinfo(new Secinfo4Args { Name = "dir"u8.ToArray() }));
        Add("4.0 open lock close", 0, PutFh(environment.Root), Open(environment.Nfs4ClientId, "file"),
            NfsArgop4.FromOplockt(new Lockt4Args { Locktype = NfsLockType4.WriteLt, Offset = 0, Length = 100, Owner = new StateOwner4 { Clientid = environment.Nfs4ClientId, Owner = "lock"u8.ToArray() } }),
            NfsArgop4.FromOpclose(new Close4Args { Seqid = 2, OpenStateid = new Stateid4 { Seqid = 1, Other = new byte[12] } }));
        Add("4.0 renew", 0, NfsArgop4.FromOprenew(new Renew4Args { Clientid = environment.Nfs4ClientId }));
        Add("4.0 setclientid", 0, NfsArgop4.FromOpsetclientid(new Setclientid4Args
        {
            Client = new NfsClientId4 { Verifier = Verifier(2), Id = "another"u8.ToArray() },
            Callback = new CbClient4 { CbProgram = 0x40000000, CbLocation = new Netaddr4 { NaRNetid = "tcp"u8.ToArray(), NaRAddr = "127.0.0.1.3.4"u8.ToArray() } },
            CallbackIdent = 1,
        }));

        Add41("4.1 walk", 0, root, Lookup("export"), getfh, attributes, NfsArgop4.FromOpsecinfoNoName(SecinfoStyle4.SecinfoStyle4CurrentFh));
        Add41("4.1 read write", 1, file, NfsArgop4.FromOpread(new Read4Args { Stateid = Anonymous, Offset = 4000, Count = 512 }),
            NfsArgop4.FromOpwrite(new Write4Args { Stateid = Anonymous, Offset = 0, Stable = StableHow4.FileSync4, Data = new byte[64] }), getfh);
        Add41("4.1 open lock locku close", 2, PutFh(environment.Root), Open(0, "file"),
            NfsArgop4.FromOplock(new Lock4Args
            {
                Locktype = NfsLockType4.WriteLt, Offset = 0, Length = 10,
                Locker = new Locker4 { NewLockOwner = true, OpenOwner = new OpenToLockOwner4 { OpenStateid = Current, LockOwner = new StateOwner4 { Owner = "lock"u8.ToArray() } } },
            }),
            NfsArgop4.FromOplocku(new Locku4Args { Locktype = NfsLockType4.WriteLt, LockStateid = Current, Offset = 0, Length = 10 }));
        Add41("4.1 reclaim complete", 3, NfsArgop4.FromOpreclaimComplete(new ReclaimComplete4Args { RcaOneFs = false }));
        Add("4.1 exchange id", 1, NfsArgop4.FromOpexchangeId(ExchangeId("another")));
        Add("4.1 create session", 1, NfsArgop4.FromOpcreateSession(CreateSession(1, 1, 2)));
        return calls;
    }

    /// <summary>RFC 8881 §16.2.3.1.2: the current stateid (seqid 1, other all zeros), here the OPEN's.</summary>
    private static Stateid4 Current => new() { Seqid = 1, Other = new byte[12] };

    private static NfsArgop4 PutFh(byte[] handle) => NfsArgop4.FromOpputfh(new Putfh4Args { Object = handle });

    private static NfsArgop4 Lookup(string name) => NfsArgop4.FromOplookup(new Lookup4Args { Objname = Encoding.UTF8.GetBytes(name) });

    private static NfsArgop4 GetAttr(params int[] attributes) => NfsArgop4.FromOpgetattr(new Getattr4Args { AttrRequest = Mask(attributes) });

    private static uint[] Mask(params int[] attributes)
    {
        var mask = new uint[attributes.Max() / 32 + 1];
        foreach (int attribute in attributes)
        {
            mask[attribute / 32] |= 1u << (attribute % 32);
        }
        return mask;
    }

    private static NfsArgop4 Open(ulong clientId, string name) => NfsArgop4.FromOpopen(new Open4Args
    {
        Seqid = 1,
        ShareAccess = Nfs4ProtConstants.Open4ShareAccessBoth,
        ShareDeny = Nfs4ProtConstants.Open4ShareDenyNone,
        Owner = new StateOwner4 { Clientid = clientId, Owner = "open-owner"u8.ToArray() },
        Openhow = new Openflag4 { Opentype = Opentype4.Open4Nocreate },
        Claim = new OpenClaim4 { Claim = OpenClaimType4.ClaimNull, File = Encoding.UTF8.GetBytes(name) },
    });

    public static Verifier4 Verifier(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return (InlineOpaque<InlineBytes8>)bytes;
    }

    public static ExchangeId4Args ExchangeId(string owner) => new()
    {
        EiaClientowner = new ClientOwner4 { CoVerifier = Verifier(1), CoOwnerid = Encoding.UTF8.GetBytes(owner) },
        EiaFlags = 0,
        EiaStateProtect = new StateProtect4A { SpaHow = StateProtectHow4.Sp4None },
        EiaClientImplId = Array.Empty<NfsImplId4>(),
    };

    public static CreateSession4Args CreateSession(ulong clientId, uint sequence, uint slots) => new()
    {
        CsaClientid = clientId,
        CsaSequence = sequence,
        CsaFlags = 0,
        CsaForeChanAttrs = new ChannelAttrs4 { CaMaxrequestsize = 1 << 20, CaMaxresponsesize = 1 << 20, CaMaxresponsesizeCached = 4096, CaMaxoperations = 16, CaMaxrequests = slots, CaRdmaIrd = Array.Empty<uint>() },
        CsaBackChanAttrs = new ChannelAttrs4 { CaMaxrequestsize = 4096, CaMaxresponsesize = 4096, CaMaxresponsesizeCached = 0, CaMaxoperations = 2, CaMaxrequests = 1, CaRdmaIrd = Array.Empty<uint>() },
        CsaCbProgram = 0x40000000,
        CsaSecParms = new[] { new CallbackSecParms4 { CbSecflavor = 0 } },
    };
}
