namespace DittoFs.Protocol.Tests.Support;

/// <summary>A MOUNT service with one export, "/export", answering as a real one would.</summary>
public sealed class FakeMountService : IMountV3<object?>
{
    public static readonly byte[] RootHandle = [0xF0, 0x0D, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05];

    public List<string> Mounted { get; } = [];

    public ValueTask NullAsync(object? context) => default;

    public ValueTask<Mountres3> MntAsync(Dirpath arguments, object? context)
    {
        var path = System.Text.Encoding.UTF8.GetString(arguments.Span);
        if (path != "/export")
            return new(new Mountres3 { FhsStatus = Mountstat3.Mnt3errNoent });
        Mounted.Add(path);
        return new(new Mountres3
        {
            FhsStatus = Mountstat3.Mnt3Ok,
            Mountinfo = new Mountres3Ok { Fhandle = RootHandle, AuthFlavors = new[] { (int)AuthFlavor.AuthSys, (int)AuthFlavor.AuthNone } },
        });
    }

    public ValueTask<DittoFs.Xdr.XdrList<Mountbody, Mountbody>> DumpAsync(object? context) =>
        new(Mounted.Select(m => new Mountbody { MlHostname = "client"u8.ToArray(), MlDirectory = System.Text.Encoding.UTF8.GetBytes(m) }).ToArray());

    public ValueTask UmntAsync(Dirpath arguments, object? context)
    {
        Mounted.Remove(System.Text.Encoding.UTF8.GetString(arguments.Span));
        return default;
    }

    public ValueTask UmntallAsync(object? context)
    {
        Mounted.Clear();
        return default;
    }

    public ValueTask<DittoFs.Xdr.XdrList<Exportnode, Exportnode>> ExportAsync(object? context) =>
        new(new[]
        {
            new Exportnode
            {
                ExDir = "/export"u8.ToArray(),
                ExGroups = new[] { new Groupnode { GrName = "10.0.0.0/8"u8.ToArray() }, new Groupnode { GrName = "client.example"u8.ToArray() } },
            },
        });
}
