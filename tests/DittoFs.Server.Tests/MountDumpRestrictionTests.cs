using System.Buffers.Binary;
using System.Net;
using DittoFs.Nfs;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage.Memory;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging.Abstractions;
using DittoFs.Vfs;

namespace DittoFs.Server.Tests;

/// <summary>
/// server.dump_restricted at the service level, where the caller's address can be any (the end-to-end test needs
/// a second local address to call from): MOUNT DUMP lists the mounts to loopback callers only.
/// </summary>
public sealed class MountDumpRestrictionTests
{
    private static RpcCallContext From(string address) => new() { Client = new IPEndPoint(IPAddress.Parse(address), 800), Uid = 0, Gid = 0, AuthFlavor = 1 };

    private static async Task<IXdrProgram<RpcCallContext>> MountProgramAsync(bool restricted)
    {
        var share = new Share("/export", await VirtualFileSystem.OpenAsync("/export", new MemoryMetadataStore(), new MemoryContentStore()));
        var programs = NfsPrograms.Create(new ShareTable(share), new NfsServerOptions { DumpRestrictedToLocalhost = restricted }, NullLoggerFactory.Instance);
        return programs.Single(p => p.Program == MountV3Program.Program);
    }

    private static async Task<byte[]> CallAsync(IXdrProgram<RpcCallContext> mount, MountV3Procedure procedure, byte[] arguments, RpcCallContext context)
    {
        using var results = new XdrBufferWriter();
        Assert.That(await mount.DispatchAsync((uint)procedure, arguments, context, results), Is.EqualTo(XdrDispatchResult.Success));
        return results.WrittenSpan.ToArray();
    }

    private static readonly byte[] ExportPath = [0, 0, 0, 7, (byte)'/', (byte)'e', (byte)'x', (byte)'p', (byte)'o', (byte)'r', (byte)'t', 0];

    /// <summary>Whether a mountlist (RFC 1813 §5.2.2) has entries: its first word is TRUE before each entry, FALSE at the end.</summary>
    private static bool HasEntries(byte[] mountlist) => BinaryPrimitives.ReadUInt32BigEndian(mountlist) == 1;

    [TestCase("192.0.2.7")]
    [TestCase("10.1.2.3")]
    [TestCase("::ffff:192.0.2.7")]
    public async Task A_remote_caller_gets_an_empty_list(string address)
    {
        var mount = await MountProgramAsync(restricted: true);
        await CallAsync(mount, MountV3Procedure.Mnt, ExportPath, From(address));

        Assert.That(HasEntries(await CallAsync(mount, MountV3Procedure.Dump, [], From(address))), Is.False);
        Assert.That(HasEntries(await CallAsync(mount, MountV3Procedure.Dump, [], From("127.0.0.1"))), Is.True, "the mount is listed to loopback");
    }

    [TestCase("127.0.0.1")]
    [TestCase("::1")]
    [TestCase("::ffff:127.0.0.1")]
    public async Task A_loopback_caller_gets_the_list(string address)
    {
        var mount = await MountProgramAsync(restricted: true);
        await CallAsync(mount, MountV3Procedure.Mnt, ExportPath, From("192.0.2.7"));

        Assert.That(HasEntries(await CallAsync(mount, MountV3Procedure.Dump, [], From(address))), Is.True);
    }

    [Test]
    public async Task Unrestricted_everyone_gets_the_list()
    {
        var mount = await MountProgramAsync(restricted: false);
        await CallAsync(mount, MountV3Procedure.Mnt, ExportPath, From("127.0.0.1"));

        Assert.That(HasEntries(await CallAsync(mount, MountV3Procedure.Dump, [], From("192.0.2.7"))), Is.True);
    }
}
