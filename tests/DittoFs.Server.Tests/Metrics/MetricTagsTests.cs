using DittoFs.Rpc;
using DittoFs.Server.Metrics;

namespace DittoFs.Server.Tests.Metrics;

public sealed class MetricTagsTests
{
    [TestCase(1u, "GETATTR")]
    [TestCase(17u, "READDIRPLUS")]
    [TestCase(21u, "COMMIT")]
    [TestCase(0u, "NULL")]
    [TestCase(22u, "other")]
    [TestCase(uint.MaxValue, "other")]
    public void Nfs_procedures_are_labelled_with_their_rfc_names(uint procedure, string name) =>
        Assert.That(MetricTags.Find(100003, 3)!.Procedure(procedure).Value, Is.EqualTo(name));

    [TestCase(0u, "NULL")]
    [TestCase(1u, "COMPOUND")]
    [TestCase(2u, "other")]
    public void Nfs4_calls_are_labelled_nfs4_apart_from_v3(uint procedure, string name)
    {
        var tags = MetricTags.Find(100003, 4)!;
        Assert.That((tags.Program.Value, tags.Procedure(procedure).Value), Is.EqualTo(("nfs4", name)));
    }

    [Test]
    public void Mount_and_portmapper_procedures_are_labelled_too()
    {
        Assert.That(MetricTags.Find(100005, 3)!.Procedure(4).Value, Is.EqualTo("UMNTALL"));
        Assert.That(MetricTags.Find(100000, 2)!.Procedure(3).Value, Is.EqualTo("GETPORT"));
    }

    [TestCase(1u, 2u, "LOCK")]
    [TestCase(3u, 2u, "LOCK")]
    [TestCase(4u, 2u, "LOCK")]
    [TestCase(4u, 4u, "UNLOCK")]
    [TestCase(1u, 6u, "TEST_MSG")]
    [TestCase(3u, 22u, "NM_LOCK")]
    [TestCase(4u, 23u, "FREE_ALL")]
    [TestCase(4u, 0u, "NULL")]
    [TestCase(1u, 20u, "other")]
    [TestCase(4u, 24u, "other")]
    public void Lock_manager_calls_of_every_version_are_labelled_nlm_with_their_procedure_names(uint version, uint procedure, string name)
    {
        var tags = MetricTags.Find(100021, version)!;
        Assert.That((tags.Program.Value, tags.Procedure(procedure).Value), Is.EqualTo(("nlm", name)));
    }

    [TestCase(1u, "STAT")]
    [TestCase(2u, "MON")]
    [TestCase(4u, "UNMON_ALL")]
    [TestCase(6u, "NOTIFY")]
    public void Status_monitor_calls_are_labelled_nsm(uint procedure, string name)
    {
        var tags = MetricTags.Find(100024, 1)!;
        Assert.That((tags.Program.Value, tags.Procedure(procedure).Value), Is.EqualTo(("nsm", name)));
    }

    [Test]
    public void Programs_or_versions_the_server_does_not_answer_have_no_tags_of_their_own()
    {
        Assert.That(MetricTags.Find(100003, 2), Is.Null);
        Assert.That(MetricTags.Find(100003, 5), Is.Null);
        Assert.That(MetricTags.Find(100021, 2), Is.Null);
        Assert.That(MetricTags.Find(100021, 5), Is.Null);
        Assert.That(MetricTags.Find(100024, 2), Is.Null);
        Assert.That(MetricTags.Find(100099, 1), Is.Null);
    }

    [TestCase(0u, "NFS3_OK")]
    [TestCase(2u, "NFS3ERR_NOENT")]
    [TestCase(13u, "NFS3ERR_ACCES")]
    [TestCase(10002u, "NFS3ERR_NOT_SYNC")]
    [TestCase(10003u, "NFS3ERR_BAD_COOKIE")]
    [TestCase(10008u, "NFS3ERR_JUKEBOX")]
    [TestCase(12345u, "other")]
    public void Nfs_statuses_are_labelled_with_their_rfc_names(uint status, string name) =>
        Assert.That(MetricTags.NfsStatus(status).Value, Is.EqualTo(name));

    [TestCase(RpcCallStatus.Success, "SUCCESS")]
    [TestCase(RpcCallStatus.GarbageArguments, "GARBAGE_ARGS")]
    [TestCase(RpcCallStatus.SystemError, "SYSTEM_ERR")]
    [TestCase(RpcCallStatus.AuthenticationError, "AUTH_ERROR")]
    [TestCase(RpcCallStatus.Dropped, "DROPPED")]
    public void Rpc_outcomes_are_labelled_with_rfc_5531_names(RpcCallStatus status, string name) =>
        Assert.That(MetricTags.RpcStatus(status).Value, Is.EqualTo(name));

    [TestCase(RpcConnectionCloseReason.ForcedShutdown, "forced_shutdown")]
    [TestCase(RpcConnectionCloseReason.ClientClosed, "client_closed")]
    [TestCase(RpcConnectionCloseReason.IdleTimeout, "idle_timeout")]
    public void Close_reasons_are_snake_case(RpcConnectionCloseReason reason, string name) =>
        Assert.That(MetricTags.CloseReason(reason).Value, Is.EqualTo(name));
}
