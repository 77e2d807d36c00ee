using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;

namespace DittoFs.Nfs.Tests;

/// <summary>ACCESS (RFC 1813 §3.3.4).</summary>
public class AccessTests
{
    private const uint All = 0x3F;
    private const uint Read = 0x01;
    private const uint Modify = 0x04;
    private const uint Extend = 0x08;
    private const uint Execute = 0x20;

    [Test]
    public async Task The_owner_of_a_0644_file_may_read_modify_and_extend_but_not_execute()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file", Callers.User(1000, 100), Sattr.Mode(0x1A4));

        var result = await server.Nfs.AccessAsync(new Access3Args { Object = file, Access = All }, Callers.User(1000, 100));

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.Access, Is.EqualTo(Read | Modify | Extend));
        Assert.That(result.Resok.ObjAttributes.AttributesFollow, Is.True);
    }

    [Test]
    public async Task Others_may_only_read_a_0644_file()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file", Callers.User(1000, 100), Sattr.Mode(0x1A4));

        var result = await server.Nfs.AccessAsync(new Access3Args { Object = file, Access = All }, Callers.User(2000, 200));

        Assert.That(result.Resok.Access, Is.EqualTo(Read));
    }

    [Test]
    public async Task Only_requested_rights_are_answered()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file", attributes: Sattr.Mode(0x1FF));

        var result = await server.Nfs.AccessAsync(new Access3Args { Object = file, Access = Execute }, Callers.Root());

        Assert.That(result.Resok.Access, Is.EqualTo(Execute));
    }

    [Test]
    public async Task A_read_only_export_never_grants_modify_extend_or_delete()
    {
        var writable = await TestServer.StartAsync();
        var server = await TestServer.StartAsync(new ExportOptions { ReadOnly = true, RootSquash = false });

        var granted = await server.Nfs.AccessAsync(new Access3Args { Object = server.Root, Access = All }, Callers.Root());
        var grantedWritable = await writable.Nfs.AccessAsync(new Access3Args { Object = writable.Root, Access = All }, Callers.Root());

        Assert.That(grantedWritable.Resok.Access & 0x1C, Is.EqualTo(0x1C));
        Assert.That(granted.Resok.Access, Is.EqualTo(0x03)); // READ | LOOKUP
    }
}
