using System.Net;
using System.Net.Sockets;
using DittoFs.Server.Configuration;
using DittoFs.Server.Portmap;
using DittoFs.Server.Tests.Metrics;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Server.Tests.Portmap;

/// <summary>What each server.portmap setting does when the port holds something that is not a portmapper.</summary>
[NonParallelizable]
public sealed class PortmapModeTests
{
    private TcpListener _squatter = null!;
    private int _port;

    [SetUp]
    public void TakeThePortWithSomethingElse()
    {
        // Accepts connections and closes them at once: neither a free port nor a portmapper.
        _squatter = new TcpListener(IPAddress.Any, 0);
        _squatter.Start();
        _port = ((IPEndPoint)_squatter.LocalEndpoint).Port;
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                    (await _squatter.AcceptSocketAsync()).Dispose();
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
            }
        });
    }

    [TearDown]
    public void Release() => _squatter.Dispose();

    [Test]
    public async Task False_leaves_the_port_alone()
    {
        Assert.That(await Portmapper.StartAsync(PortmapMode.Off, 2049, NullLoggerFactory.Instance, HotPathAllocationTests.FreePort()), Is.Null);
    }

    [Test]
    public async Task Auto_carries_on_without_a_portmapper_when_neither_serving_nor_registering_works()
    {
        Assert.That(await Portmapper.StartAsync(PortmapMode.Auto, 2049, NullLoggerFactory.Instance, _port), Is.Null);
    }

    [Test]
    public async Task True_fails_the_start_when_neither_serving_nor_registering_works()
    {
        var failure = await Assert.ThrowsAsync<IOException>(() => Portmapper.StartAsync(PortmapMode.On, 2049, NullLoggerFactory.Instance, _port));
        Assert.That(failure!.Message, Does.StartWith("portmapper:").And.Contain($"port {_port}"));
    }
}
