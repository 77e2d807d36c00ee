using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Rpc.Tests;

/// <summary>A MOUNT v3 service with one export, to run the generated dispatcher and client stub over the transport.</summary>
internal sealed class FakeMountService : IMountV3<RpcCallContext>
{
    public static readonly byte[] Handle = [0xD1, 0x77, 0x0F, 0x50, 1, 2, 3, 4];
    public static readonly byte[] ExportPath = "/export"u8.ToArray();

    public ValueTask NullAsync(RpcCallContext context) => ValueTask.CompletedTask;

    public ValueTask<Mountres3> MntAsync(Dirpath arguments, RpcCallContext context) =>
        ValueTask.FromResult(arguments.Span.SequenceEqual(ExportPath)
            ? new Mountres3
            {
                FhsStatus = Mountstat3.Mnt3Ok,
                Mountinfo = new Mountres3Ok { Fhandle = Handle, AuthFlavors = new[] { (int)AuthFlavor.AuthSys } },
            }
            : new Mountres3 { FhsStatus = Mountstat3.Mnt3errNoent });

    public ValueTask<XdrList<Mountbody, Mountbody>> DumpAsync(RpcCallContext context) => ValueTask.FromResult(default(XdrList<Mountbody, Mountbody>));

    public ValueTask UmntAsync(Dirpath arguments, RpcCallContext context) => ValueTask.CompletedTask;

    public ValueTask UmntallAsync(RpcCallContext context) => ValueTask.CompletedTask;

    public ValueTask<XdrList<Exportnode, Exportnode>> ExportAsync(RpcCallContext context) =>
        ValueTask.FromResult<XdrList<Exportnode, Exportnode>>(new[] { new Exportnode { ExDir = ExportPath } });
}
