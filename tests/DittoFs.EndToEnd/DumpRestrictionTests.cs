using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;

namespace DittoFs.EndToEnd;

/// <summary>
/// --dump-restricted on the real executable: MOUNT DUMP lists the mounts to a caller on loopback and nothing to a
/// caller from another address. The other address is one of this machine's own (e.g. eth0's) bound as the source
/// of a connection to 127.0.0.1, so no packet leaves the machine.
/// </summary>
[TestFixture]
public sealed class DumpRestrictionTests : ServerFixture
{
    private const uint Mount = 100005, Mnt = 1, Dump = 2;

    protected override string[] ServerArguments => ["--dump-restricted"];

    /// <summary>An IPv4 address of an interface that is up and not loopback, or null.</summary>
    private static IPAddress? OtherLocalAddress() => NetworkInterface.GetAllNetworkInterfaces()
        .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
        .SelectMany(n => n.GetIPProperties().UnicastAddresses)
        .Select(a => a.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    /// <summary>One MOUNT call from <paramref name="source"/> to the server on 127.0.0.1; returns the reply's result bytes.</summary>
    private byte[] Call(IPAddress source, uint procedure, byte[] arguments)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000 };
        socket.Bind(new IPEndPoint(source, 0));
        socket.Connect(IPAddress.Loopback, Server.Port);
        var message = RawRpc.Call(1, Mount, 3, procedure, credFlavor: 1, credBody: RawRpc.AuthSys(0, 0), arguments: arguments);
        var mark = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(mark, 0x8000_0000u | (uint)message.Length);
        socket.Send([.. mark, .. message]);
        using var stream = new NetworkStream(socket);
        stream.ReadExactly(mark);
        var reply = new byte[BinaryPrimitives.ReadUInt32BigEndian(mark) & 0x7FFF_FFFF];
        stream.ReadExactly(reply);
        Assert.That(RawRpc.Word(reply, 5), Is.EqualTo(0u), "accepted with SUCCESS");
        return reply[24..]; // xid, REPLY, MSG_ACCEPTED, verifier (flavour, length 0), accept_stat
    }

    private static byte[] Path(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path);
        var encoded = new byte[4 + (bytes.Length + 3) / 4 * 4];
        BinaryPrimitives.WriteUInt32BigEndian(encoded, (uint)bytes.Length);
        bytes.CopyTo(encoded, 4);
        return encoded;
    }

    /// <summary>The directories of a mountlist (RFC 1813 §5.2.2): entries each preceded by TRUE, ended by FALSE.</summary>
    private static List<string> Directories(byte[] mountlist)
    {
        var directories = new List<string>();
        int at = 0;
        string ReadString()
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(mountlist.AsSpan(at));
            string value = Encoding.UTF8.GetString(mountlist, at + 4, length);
            at += 4 + (length + 3) / 4 * 4;
            return value;
        }
        while (BinaryPrimitives.ReadUInt32BigEndian(mountlist.AsSpan(at)) == 1)
        {
            at += 4;
            ReadString(); // ml_hostname
            directories.Add(ReadString());
        }
        return directories;
    }

    [Test]
    public void Dump_lists_the_mounts_to_a_caller_on_loopback()
    {
        var mounted = Call(IPAddress.Loopback, Mnt, Path("/export"));
        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(mounted), Is.EqualTo(0u), "MNT3_OK");

        Assert.That(Directories(Call(IPAddress.Loopback, Dump, [])), Does.Contain("/export"));
    }

    [Test]
    public void Dump_is_empty_for_a_caller_from_another_address()
    {
        var other = OtherLocalAddress();
        if (other is null)
            Assert.Ignore("This machine has no non-loopback IPv4 address to call from; DittoFs.Server.Tests covers the restriction at the service level (MountDumpRestrictionTests).");
        Call(IPAddress.Loopback, Mnt, Path("/export"));

        var fromOther = Call(other, Dump, []);

        Assert.That(Directories(fromOther), Is.Empty, $"DUMP from {other}");
        Assert.That(Directories(Call(IPAddress.Loopback, Dump, [])), Does.Contain("/export"), "the list itself is not empty");
    }
}
