using System.Text;
using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Rpc;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Nfs.Tests.Nfs4;

/// <summary>
/// An NFSv4 service over the test server's share, next to its NFSv3 service (with the same write verifier, as the
/// server would run them). COMPOUNDs go through the wire both ways, as in <see cref="Nfs4ServiceTests"/>.
/// </summary>
public abstract class Nfs4Fixture
{
    protected const int Type = 1, Change = 3, Size = 4, Fsid = 8, RdattrError = 11, Acl = 12, Fileid = 20, Mode = 33, Numlinks = 35, Owner = 36, OwnerGroup = 37,
        Rawdev = 41, TimeAccessSet = 48, TimeModify = 53, TimeModifySet = 54, SupportedAttrs = 0;

    private protected TestServer Server { get; private set; } = null!;
    private protected Nfs4Service Nfs4 { get; private set; } = null!;

    [SetUp]
    public async Task StartAsync()
    {
        Server = await TestServer.StartAsync();
        Nfs4 = new Nfs4Service(Server.Shares, Server.Options, NullLogger<Nfs4Service>.Instance, writeVerifier: Server.Nfs.WriteVerifier);
        _client = null;
    }

    /// <summary>A COMPOUND of another service: 4.0 as it is, 4.1 behind a SEQUENCE in a session of its own (<see cref="Nfs4TestClient"/>).</summary>
    private protected static Task<Compound4Res> CompoundAsync(Nfs4Service service, uint minorVersion, RpcCallContext caller, params NfsArgop4[] operations)
    {
        // One client owner per principal: the same owner string from another principal is another client (CLID_INUSE).
        var client = new Nfs4TestClient(service, () => caller, owner: $"test-client-{caller.AuthFlavor}-{caller.Uid}");
        return minorVersion == 0 ? client.SendAsync(0, operations) : client.CompoundAsync(operations);
    }

    private Nfs4TestClient? _client;

    /// <summary>The fixture's 4.1 client (root), one session for the test.</summary>
    private Nfs4TestClient Client => _client ??= new Nfs4TestClient(Nfs4, () => Callers.Root());

    protected Task<Compound4Res> CompoundAsync(params NfsArgop4[] operations) => Client.CompoundAsync(operations);

    protected Task<Compound4Res> CompoundAsync(uint minorVersion, params NfsArgop4[] operations) =>
        minorVersion == 0 ? Client.SendAsync(0, operations) : Client.CompoundAsync(operations);

    /// <summary>The results of a COMPOUND that must have succeeded.</summary>
    protected async Task<NfsResop4[]> OkAsync(params NfsArgop4[] operations)
    {
        var result = await CompoundAsync(operations);
        Assert.That(result.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), string.Join(", ", result.Resarray.ToArray().Select(r => r.Resop)));
        return result.Resarray.ToArray();
    }

    protected static NfsArgop4 PutRoot => new(NfsOpnum4.OpPutrootfh);
    protected static NfsArgop4 GetFh => new(NfsOpnum4.OpGetfh);
    protected static NfsArgop4 SaveFh => new(NfsOpnum4.OpSavefh);
    protected static NfsArgop4 RestoreFh => new(NfsOpnum4.OpRestorefh);
    protected static NfsArgop4 Lookup(string name) => NfsArgop4.FromOplookup(new Lookup4Args { Objname = Encoding.UTF8.GetBytes(name) });
    private protected static NfsArgop4 PutFh(NfsFh3 handle) => NfsArgop4.FromOpputfh(new Putfh4Args { Object = handle.Data.ToArray() });
    protected static NfsArgop4 GetAttr(params int[] attributes) => NfsArgop4.FromOpgetattr(new Getattr4Args { AttrRequest = Fattr4Reader.Mask(attributes) });

    /// <summary>The share's root, as v4 clients reach it.</summary>
    protected static NfsArgop4[] Export => [PutRoot, Lookup("export")];

    protected static NfsArgop4[] Ops(params object[] parts) =>
        parts.SelectMany(part => part is NfsArgop4[] many ? many : [(NfsArgop4)part]).ToArray();

    protected static Dictionary<int, object> Attributes(in NfsResop4 result) => Fattr4Reader.Read(result.Opgetattr.Resok4.ObjAttributes);

    private protected static NfsFh3 Handle(in NfsResop4 getfh) => new() { Data = getfh.Opgetfh.Resok4.Object.Value.ToArray() };
}
