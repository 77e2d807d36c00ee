using DittoFs.Xdr;

namespace DittoFs.Rpc.Tests;

/// <summary>What the who-am-I procedure reports back: the <see cref="RpcCallContext"/> its call got.</summary>
internal sealed record CallerIdentity(
    uint Xid, uint Program, uint Version, uint Procedure, uint Flavor, uint Uid, uint Gid, uint[] Gids, byte[] MachineName, int ClientPort)
    : IXdrCodec<CallerIdentity>
{
    public static CallerIdentity From(RpcCallContext context) => new(
        context.Xid, context.Program, context.Version, context.Procedure, context.AuthFlavor, context.Uid, context.Gid,
        context.SupplementaryGroups.ToArray(), context.MachineName.ToArray(), context.Client?.Port ?? -1);

    public static CallerIdentity Read(ref XdrReader reader)
    {
        uint xid = reader.ReadUInt32(), program = reader.ReadUInt32(), version = reader.ReadUInt32(), procedure = reader.ReadUInt32();
        uint flavor = reader.ReadUInt32(), uid = reader.ReadUInt32(), gid = reader.ReadUInt32();
        var gids = XdrList<uint, XdrUInt32Codec>.ReadCounted(ref reader, 16).ToArray();
        var machineName = reader.ReadOpaque(255).ToArray();
        int clientPort = reader.ReadInt32();
        return new CallerIdentity(xid, program, version, procedure, flavor, uid, gid, gids, machineName, clientPort);
    }

    public static void Write(ref XdrWriter writer, in CallerIdentity value)
    {
        writer.WriteUInt32(value.Xid);
        writer.WriteUInt32(value.Program);
        writer.WriteUInt32(value.Version);
        writer.WriteUInt32(value.Procedure);
        writer.WriteUInt32(value.Flavor);
        writer.WriteUInt32(value.Uid);
        writer.WriteUInt32(value.Gid);
        new XdrList<uint, XdrUInt32Codec>(value.Gids).WriteCounted(ref writer, 16);
        writer.WriteOpaque(value.MachineName, 255);
        writer.WriteInt32(value.ClientPort);
    }

    public static int SizeOf(in CallerIdentity value) => 7 * 4 + 4 + 4 * value.Gids.Length + XdrSize.Opaque(value.MachineName.Length) + 4;
}
