using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DittoFs.EndToEnd;

/// <summary>
/// sd_notify as systemd sees it (packaging/dittofs.service is Type=notify): the real dittofs started with NOTIFY_SOCKET
/// naming a unix datagram socket this test bound, as systemd binds its own. READY=1 comes once the NFS port accepts
/// connections, STOPPING=1 once SIGTERM starts the stop, and the exit code after it is 0.
/// </summary>
[TestFixture]
public sealed class SystemdNotifyTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [TestCase(false, TestName = "READY_once_listening_and_STOPPING_on_SIGTERM_over_a_socket_path")]
    [TestCase(true, TestName = "READY_once_listening_and_STOPPING_on_SIGTERM_over_an_abstract_socket")]
    public void Notifies_systemd(bool abstractName)
    {
        var directory = Directory.CreateTempSubdirectory("dittofs-notify-");
        try
        {
            // systemd's own form: a path, or "@name" for the abstract namespace (bound here with the leading NUL it stands for).
            string name = abstractName ? "@dittofs-notify-" + Guid.NewGuid().ToString("N") : Path.Combine(directory.FullName, "notify");
            using var systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            systemd.Bind(new UnixDomainSocketEndPoint(abstractName ? "\0" + name[1..] : name));
            systemd.ReceiveTimeout = (int)Bound.TotalMilliseconds;

            int port = DittoFsProcess.FreePort();
            using var server = DittoFsProcess.Start(
                new DittoFsProcess.StartOptions(Environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = name }, WaitUntilListening: false), port);

            Assert.That(Receive(systemd, server), Is.EqualTo("READY=1"));
            using (var client = new TcpClient())
                Assert.DoesNotThrow(() => client.Connect(IPAddress.Loopback, port), "READY=1 came before the NFS port accepted connections");

            var exit = Task.Run(() => server.Terminate(Bound));
            Assert.That(Receive(systemd, server), Is.EqualTo("STOPPING=1"));
            Assert.That(exit.Wait(Bound + Bound), Is.True, "Terminate did not return");
            Assert.That(exit.Result, Is.EqualTo(0), server.Output);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Test]
    public void Without_NOTIFY_SOCKET_the_server_starts_and_stops_as_before()
    {
        using var server = DittoFsProcess.Start(new DittoFsProcess.StartOptions(Environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = "" }), DittoFsProcess.FreePort());
        Assert.That(server.Terminate(Bound), Is.EqualTo(0), server.Output);
        Assert.That(server.Output, Does.Not.Contain("notify systemd"));
    }

    /// <summary>One datagram (bounded by the socket's receive timeout), as text.</summary>
    private static string Receive(Socket socket, DittoFsProcess server)
    {
        var buffer = new byte[4096];
        try
        {
            int length = socket.Receive(buffer);
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            throw new TimeoutException($"no notification within {Bound}:\n{server.Output}");
        }
    }
}
