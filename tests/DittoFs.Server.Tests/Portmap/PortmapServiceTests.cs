using System.Net;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Rpc.Portmap;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Server.Tests.Portmap;

/// <summary>
/// Who may change the mappings, at the service level: a test machine has no second host to call from, so the
/// caller's address is set on the call context as the RPC layer would set it.
/// </summary>
public sealed class PortmapServiceTests
{
    private static readonly Mapping Nlm = new() { Prog = 100021, Vers = 4, Prot = 6, Port = 4045 };
    private PortmapTable _table = null!;
    private PortmapService _service = null!;

    [SetUp]
    public void Create()
    {
        _table = new PortmapTable();
        _service = new PortmapService(_table, NullLogger<PortmapService>.Instance);
    }

    private static RpcCallContext From(string address) => new() { Client = new IPEndPoint(IPAddress.Parse(address), 900) };

    [TestCase("192.0.2.7")]
    [TestCase("2001:db8::7")]
    public async Task A_remote_caller_can_neither_set_nor_unset(string address)
    {
        _table.Set(Nlm);

        Assert.That(await _service.SetAsync(Nlm with { Prog = 100024 }, From(address)), Is.False);
        Assert.That(await _service.UnsetAsync(Nlm, From(address)), Is.False);
        Assert.That(_table.Snapshot(), Is.EqualTo(new[] { Nlm }));
    }

    [TestCase("127.0.0.1")]
    [TestCase("127.3.4.5")]
    [TestCase("::1")]
    [TestCase("::ffff:127.0.0.1")]
    public async Task A_local_caller_may_set(string address)
    {
        Assert.That(await _service.SetAsync(Nlm, From(address)), Is.True);
        Assert.That(_table.GetPort(100021, 4, 6), Is.EqualTo(4045u));
    }

    [Test]
    public async Task A_remote_caller_may_still_ask()
    {
        _table.Set(Nlm);

        Assert.That(await _service.GetportAsync(Nlm with { Port = 0 }, From("192.0.2.7")), Is.EqualTo(4045u));
        Assert.That((await _service.DumpAsync(From("192.0.2.7"))).Count, Is.EqualTo(1));
    }

    [Test]
    public void Unset_removes_every_protocol_of_the_program_version()
    {
        _table.Set(Nlm);
        _table.Set(Nlm with { Prot = 17 });

        Assert.That(_table.Unset(100021, 4), Is.True);
        Assert.That(_table.Snapshot(), Is.Empty);
        Assert.That(_table.Unset(100021, 4), Is.False, "nothing left to remove");
    }
}
