using System.Net;
using DittoFs.Rpc;
using DittoFs.Server.Metrics;

namespace DittoFs.Server.Tests.Metrics;

public sealed class RpcMetricsObserverTests
{
    private static readonly IPEndPoint Client = new(IPAddress.Loopback, 700);
    private DittoMetrics _metrics = null!;
    private RecordedMeasurements _recorded = null!;
    private RpcMetricsObserver _observer = null!;

    [SetUp]
    public void Create()
    {
        _metrics = new DittoMetrics();
        _recorded = new RecordedMeasurements(_metrics.Meter);
        _observer = new RpcMetricsObserver(_metrics);
    }

    [TearDown]
    public void Dispose()
    {
        _recorded.Dispose();
        _metrics.Dispose();
    }

    [Test]
    public void A_call_is_counted_by_program_procedure_and_status_and_timed_in_seconds()
    {
        _observer.CallCompleted(100003, 3, 1, RpcCallStatus.Success, TimeSpan.FromMilliseconds(2));

        Assert.That(_recorded.Sum("dittofs.rpc.requests", "program=nfs", "procedure=GETATTR", "status=SUCCESS"), Is.EqualTo(1));
        var durations = _recorded.Of("dittofs.rpc.request.duration", "program=nfs", "procedure=GETATTR");
        Assert.That(durations.Select(d => d.Value), Is.EqualTo(new[] { 0.002 }).Within(1e-9));
    }

    [Test]
    public void Calls_to_programs_not_served_count_under_other_whatever_their_numbers()
    {
        _observer.CallCompleted(123456, 9, 77, RpcCallStatus.ProgramUnavailable, TimeSpan.Zero);
        _observer.CallCompleted(100003, 2, 1, RpcCallStatus.ProgramMismatch, TimeSpan.Zero);

        Assert.That(_recorded.Sum("dittofs.rpc.requests", "program=other", "procedure=other", "status=PROG_UNAVAIL"), Is.EqualTo(1));
        Assert.That(_recorded.Sum("dittofs.rpc.requests", "program=other", "procedure=other", "status=PROG_MISMATCH"), Is.EqualTo(1));
    }

    [Test]
    public void Connections_are_counted_as_they_open_are_refused_and_close()
    {
        _observer.ConnectionAccepted(Client);
        _observer.ConnectionAccepted(Client);
        _observer.ConnectionRejected(Client);
        _observer.ConnectionClosed(Client, RpcConnectionCloseReason.ClientClosed);

        Assert.That(_recorded.Sum("dittofs.rpc.connections.accepted"), Is.EqualTo(2));
        Assert.That(_recorded.Sum("dittofs.rpc.connections.rejected"), Is.EqualTo(1));
        Assert.That(_recorded.Sum("dittofs.rpc.active_connections"), Is.EqualTo(1));
        Assert.That(_recorded.Sum("dittofs.rpc.connections.closed", "reason=client_closed"), Is.EqualTo(1));
    }

    [Test]
    public void A_connection_closed_by_the_shutdown_timeout_is_counted_as_forced()
    {
        _observer.ConnectionAccepted(Client);
        _observer.ConnectionClosed(Client, RpcConnectionCloseReason.ForcedShutdown);

        Assert.That(_recorded.Sum("dittofs.rpc.connections.closed", "reason=forced_shutdown"), Is.EqualTo(1));
        Assert.That(_recorded.Sum("dittofs.rpc.active_connections"), Is.EqualTo(0));
    }
}
