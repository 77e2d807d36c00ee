using DittoFs.Protocol;

namespace DittoFs.Nfs.Tests.Support;

/// <summary>sattr3 values as tests need them.</summary>
internal static class Sattr
{
    public static Sattr3 None => default;

    public static Sattr3 Mode(uint mode) => new() { Mode = new SetMode3 { SetIt = true, Mode = mode } };

    public static Sattr3 Size(ulong size) => new() { Size = new SetSize3 { SetIt = true, Size = size } };

    public static Sattr3 Owner(uint uid, uint gid) => new()
    {
        Uid = new SetUid3 { SetIt = true, Uid = uid },
        Gid = new SetGid3 { SetIt = true, Gid = gid },
    };
}
