using DittoFs.Protocol.Tests.Support;
using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests;

/// <summary>The generated NFSv3 dispatcher: procedure number -> decode arguments -> service -> encode result.</summary>
public class DispatcherTests
{
    private FakeNfsService _service = null!;
    private NfsV3Dispatcher<object?> _dispatcher = null!;
    private XdrBufferWriter _results = null!;

    [SetUp]
    public void SetUp()
    {
        _service = new FakeNfsService();
        _dispatcher = new NfsV3Dispatcher<object?>(_service);
        _results = new XdrBufferWriter();
    }

    [TearDown]
    public void TearDown() => _results.Dispose();

    [Test]
    public void It_serves_NFS_program_100003_version_3()
    {
        Assert.That(_dispatcher.Program, Is.EqualTo(100003u));
        Assert.That(_dispatcher.Version, Is.EqualTo(3u));
    }

    [TestCase(22u)]
    [TestCase(1000u)]
    [TestCase(uint.MaxValue)]
    public async Task An_unknown_procedure_is_unavailable(uint procedure)
    {
        var outcome = await _dispatcher.DispatchAsync(procedure, Array.Empty<byte>(), null, _results);
        Assert.That(outcome, Is.EqualTo(XdrDispatchResult.ProcedureUnavailable));
        Assert.That(_results.WrittenCount, Is.Zero);
        Assert.That(_service.LastCall, Is.Null);
    }

    public static IEnumerable<TestCaseData> GarbageArguments()
    {
        yield return new TestCaseData(NfsV3Procedure.Getattr, new byte[] { 0, 0, 0 }).SetArgDisplayNames("GETATTR", "3 bytes");
        yield return new TestCaseData(NfsV3Procedure.Getattr, MalformedInputTests.Opaque(65)).SetArgDisplayNames("GETATTR", "handle of 65 bytes");
        yield return new TestCaseData(NfsV3Procedure.Lookup, MalformedInputTests.Opaque(8)).SetArgDisplayNames("LOOKUP", "no name");
        yield return new TestCaseData(NfsV3Procedure.Write, (byte[])[.. MalformedInputTests.Opaque(8), .. MalformedInputTests.Words(0, 0, 4, 9, 4, 0)])
            .SetArgDisplayNames("WRITE", "stable_how 9");
        yield return new TestCaseData(NfsV3Procedure.Read, Array.Empty<byte>()).SetArgDisplayNames("READ", "empty");
    }

    [TestCaseSource(nameof(GarbageArguments))]
    public async Task Arguments_that_do_not_decode_are_garbage_and_never_reach_the_service(NfsV3Procedure procedure, byte[] arguments)
    {
        var outcome = await _dispatcher.DispatchAsync((uint)procedure, arguments, null, _results);
        Assert.That(outcome, Is.EqualTo(XdrDispatchResult.GarbageArguments));
        Assert.That(_results.WrittenCount, Is.Zero);
        Assert.That(_service.LastCall, Is.Null);
    }

    [Test]
    public async Task GETATTR_result_bytes_decode_to_what_the_service_returned()
    {
        var arguments = XdrCodec.Encode(new Getattr3Args { Object = new NfsFh3 { Data = FakeNfsService.FileHandle } });

        var outcome = await _dispatcher.DispatchAsync((uint)NfsV3Procedure.Getattr, arguments, null, _results);

        Assert.That(outcome, Is.EqualTo(XdrDispatchResult.Success));
        Assert.That(_service.LastCall, Is.EqualTo(nameof(FakeNfsService.GetattrAsync)));
        var result = XdrCodec.Decode<Getattr3Res>(_results.WrittenMemory);
        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.ObjAttributes, Is.EqualTo(FakeNfsService.FileAttributes));
        Assert.That(_results.WrittenMemory.ToArray(), Is.EqualTo(XdrCodec.Encode(new Getattr3Res { Status = Nfsstat3.Nfs3Ok, Resok = new Getattr3Resok { ObjAttributes = FakeNfsService.FileAttributes } })));
    }

    [Test]
    public async Task A_result_is_appended_after_what_the_buffer_already_holds()
    {
        // The RPC layer writes the reply header first; the dispatcher appends the result behind it.
        _results.GetSpan(24)[..24].Fill(0xEE);
        _results.Advance(24);
        var arguments = XdrCodec.Encode(new Getattr3Args { Object = new NfsFh3 { Data = new byte[] { 9, 9 } } });

        await _dispatcher.DispatchAsync((uint)NfsV3Procedure.Getattr, arguments, null, _results);

        Assert.That(_results.WrittenSpan[..24].ToArray(), Is.All.EqualTo(0xEE));
        Assert.That(_results.WrittenSpan[24..].ToArray(), Is.EqualTo(new byte[] { 0, 0, 0, 70 }), "NFS3ERR_STALE, void arm");
    }

    [Test]
    public async Task NULL_succeeds_with_an_empty_result()
    {
        var outcome = await _dispatcher.DispatchAsync((uint)NfsV3Procedure.Null, Array.Empty<byte>(), null, _results);
        Assert.That(outcome, Is.EqualTo(XdrDispatchResult.Success));
        Assert.That(_service.NullCalls, Is.EqualTo(1));
        Assert.That(_results.WrittenCount, Is.Zero);
    }

    [Test]
    public async Task A_service_call_that_completes_later_is_encoded_when_it_completes()
    {
        var data = new byte[100];
        var arguments = XdrCodec.Encode(new Write3Args { File = new NfsFh3 { Data = FakeNfsService.FileHandle }, Count = 100, Stable = StableHow.FileSync, Data = data });

        _service.WriteGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var pending = _dispatcher.DispatchAsync((uint)NfsV3Procedure.Write, arguments, null, _results);
        Assert.That(pending.IsCompleted, Is.False, "the fake WRITE waits for the gate before answering");
        _service.WriteGate.SetResult();
        var outcome = await pending;

        Assert.That(outcome, Is.EqualTo(XdrDispatchResult.Success));
        var result = XdrCodec.Decode<Write3Res>(_results.WrittenMemory);
        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.Count.Value, Is.EqualTo(100u));
        Assert.That(result.Resok.Verf.ToArray(), Is.EqualTo(FakeNfsService.WriteVerifier));
    }

    public static IEnumerable<TestCaseData> EveryProcedure() =>
        Enum.GetValues<NfsV3Procedure>().Select(p => new TestCaseData(p).SetArgDisplayNames(p.ToString()));

    [TestCaseSource(nameof(EveryProcedure))]
    public async Task Every_procedure_number_reaches_its_own_method_and_answers_its_own_result_type(NfsV3Procedure procedure)
    {
        var method = typeof(INfsV3<object?>).GetMethod(procedure + "Async")!;
        var random = new RandomXdrValues(Seeds.For("dispatch " + procedure));
        byte[] arguments = [];
        if (method.GetParameters() is [var argumentParameter, _])
        {
            var argumentCodec = CodecCases.For(argumentParameter.ParameterType, argumentParameter.ParameterType);
            arguments = argumentCodec.Encode(random.Next(argumentParameter.ParameterType));
        }

        var outcome = await _dispatcher.DispatchAsync((uint)procedure, arguments, null, _results);

        Assert.That(outcome, Is.EqualTo(XdrDispatchResult.Success));
        Assert.That(_service.LastCall, Is.EqualTo(method.Name));
        if (method.ReturnType.IsGenericType)
        {
            var resultType = method.ReturnType.GetGenericArguments()[0];
            var (_, error, consumed) = CodecCases.For(resultType, resultType).Decode(_results.WrittenMemory);
            Assert.That(error, Is.EqualTo(XdrError.None));
            Assert.That(consumed, Is.EqualTo(_results.WrittenCount));
        }
        else
        {
            Assert.That(_results.WrittenCount, Is.Zero);
        }
    }

    [Test]
    public async Task WRITE_data_reaches_the_service_as_a_slice_of_the_call()
    {
        var arguments = XdrCodec.Encode(new Write3Args { File = new NfsFh3 { Data = FakeNfsService.FileHandle }, Count = 4096, Data = new byte[4096] });
        var call = new byte[200 + arguments.Length];
        arguments.CopyTo(call, 200);

        await _dispatcher.DispatchAsync((uint)NfsV3Procedure.Write, call.AsMemory(200, arguments.Length), null, _results);

        Assert.That(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(_service.LastWrittenData, out var segment));
        Assert.That(segment.Array, Is.SameAs(call));
        Assert.That(segment.Offset, Is.EqualTo(200 + arguments.Length - 4096));
    }
}
