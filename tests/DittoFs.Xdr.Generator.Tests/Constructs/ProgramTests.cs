using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary>
/// program / version / procedure definitions (RFC 5531 §12): per version, the numbers, a procedure enum, the
/// service interface, a dispatcher that decodes, calls and encodes, and a client stub.
/// </summary>
public sealed class ProgramTests : CompiledXdrFixture
{
    protected override string Xdr => """
        typedef string name<16>;

        struct pair {
            int a;
            int b;
        };

        program CALC_PROGRAM {
            version CALC_V1 {
                void CALCPROC_NULL(void) = 0;
                int CALCPROC_ADD(pair) = 1;
                name CALCPROC_ECHO(name) = 2;
                void CALCPROC_RESET(int) = 3;
            } = 1;
            version CALC_V2 {
                hyper CALCPROC2_ADD(pair) = 1;
            } = 2;
        } = 0x20000099;
        """;

    protected override string Probe => """
        public sealed class Calculator : ICalcV1<string>
        {
            public string Log = "";

            public ValueTask NullAsync(string context)
            {
                Log += $"null@{context}";
                return default;
            }

            public ValueTask<int> AddAsync(Pair arguments, string context) => new(arguments.A + arguments.B);

            public ValueTask<Name> EchoAsync(Name arguments, string context) => new(arguments);

            public async ValueTask ResetAsync(int arguments, string context)
            {
                await Task.Yield(); // completes asynchronously: the dispatcher must await it
                Log += $"reset {arguments}@{context}";
            }
        }

        public static string Dispatch(uint procedure, byte[] arguments)
        {
            var service = new Calculator();
            using var results = new XdrBufferWriter();
            var outcome = new CalcV1Dispatcher<string>(service).DispatchAsync(procedure, arguments, "ctx", results).AsTask().GetAwaiter().GetResult();
            return $"{outcome} {Convert.ToHexString(results.WrittenSpan)} {service.Log}".TrimEnd();
        }

        public sealed class RecordingTransport(byte[] reply) : IXdrCallTransport
        {
            public string Call = "";

            public ValueTask<ReadOnlyMemory<byte>> CallAsync<TArguments, TCodec>(uint program, uint version, uint procedure, TArguments arguments, CancellationToken cancellationToken)
                where TCodec : IXdrCodec<TArguments>
            {
                Call = $"{program:X} {version} {procedure} {Convert.ToHexString(XdrCodec.Encode<TArguments, TCodec>(arguments))}".TrimEnd();
                return new(reply);
            }
        }

        public static string ClientAdd(byte[] reply)
        {
            var transport = new RecordingTransport(reply);
            int sum = new CalcV1Client(transport).AddAsync(new Pair { A = 2, B = 3 }).AsTask().GetAwaiter().GetResult();
            return $"{transport.Call} -> {sum}";
        }

        public static string ClientNull()
        {
            var transport = new RecordingTransport(Array.Empty<byte>());
            new CalcV1Client(transport).NullAsync().AsTask().GetAwaiter().GetResult();
            return transport.Call;
        }

        public static string ClientV2Add(byte[] reply)
        {
            var transport = new RecordingTransport(reply);
            long sum = new CalcV2Client(transport).AddAsync(new Pair { A = 1, B = 1 }).AsTask().GetAwaiter().GetResult();
            return $"{transport.Call} -> {sum}";
        }
        """;

    [Test]
    public void Each_version_has_its_program_and_version_numbers()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Compiled.Constant("CalcV1Program", "Program"), Is.EqualTo(0x20000099u));
            Assert.That(Compiled.Constant("CalcV1Program", "Version"), Is.EqualTo(1u));
            Assert.That(Compiled.Constant("CalcV2Program", "Version"), Is.EqualTo(2u));
        });
    }

    [Test]
    public void Procedure_names_drop_the_prefix_they_share()
    {
        var procedures = Compiled.Type("CalcV1Procedure");
        Assert.That(Enum.GetNames(procedures).Zip(Enum.GetValues(procedures).Cast<object>().Select(Convert.ToUInt32)),
            Is.EqualTo(new[] { ("Null", 0u), ("Add", 1u), ("Echo", 2u), ("Reset", 3u) }));
    }

    [Test]
    public void The_service_interface_has_one_async_method_per_procedure()
    {
        var service = Compiled.Assembly.GetType($"{GeneratorHarness.Namespace}.ICalcV1`1")!;
        Assert.That(service.GetMethods().Select(m => $"{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})"),
            Is.EqualTo(new[] { "NullAsync(TContext)", "AddAsync(Pair, TContext)", "EchoAsync(Name, TContext)", "ResetAsync(Int32, TContext)" }));
    }

    [Test]
    public void The_dispatcher_decodes_the_arguments_calls_the_service_and_encodes_the_result()
    {
        Assert.That(Compiled.Call<string>("Dispatch", 1u, Hex.Bytes("00000002 00000003")), Is.EqualTo("Success 00000005"));
    }

    [Test]
    public void The_dispatcher_passes_opaque_arguments_and_results_through()
    {
        Assert.That(Compiled.Call<string>("Dispatch", 2u, Hex.Bytes("00000002 68690000")), Is.EqualTo("Success 0000000268690000"));
    }

    [Test]
    public void The_dispatcher_runs_void_procedures_and_hands_them_the_context()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Compiled.Call<string>("Dispatch", 0u, Array.Empty<byte>()), Is.EqualTo("Success  null@ctx"));
            Assert.That(Compiled.Call<string>("Dispatch", 3u, Hex.Bytes("00000007")), Is.EqualTo("Success  reset 7@ctx"));
        });
    }

    [Test]
    public void An_unknown_procedure_is_unavailable()
    {
        Assert.That(Compiled.Call<string>("Dispatch", 9u, Array.Empty<byte>()), Is.EqualTo("ProcedureUnavailable"));
    }

    [TestCase(1u, "00000002")]
    [TestCase(2u, "00000011 00000000 00000000 00000000 00000000 00000000")]
    public void Arguments_that_do_not_decode_are_garbage(uint procedure, string arguments)
    {
        Assert.That(Compiled.Call<string>("Dispatch", procedure, Hex.Bytes(arguments)), Is.EqualTo("GarbageArguments"));
    }

    [Test]
    public void The_client_stub_encodes_the_call_and_decodes_the_reply()
    {
        Assert.That(Compiled.Call<string>("ClientAdd", Hex.Bytes("0000002A")), Is.EqualTo("20000099 1 1 0000000200000003 -> 42"));
    }

    [Test]
    public void The_client_stub_sends_void_arguments_as_no_bytes()
    {
        Assert.That(Compiled.Call<string>("ClientNull"), Is.EqualTo("20000099 1 0"));
    }

    [Test]
    public void Each_version_gets_its_own_client_with_its_own_types()
    {
        Assert.That(Compiled.Call<string>("ClientV2Add", Hex.Bytes("00000001 00000000")), Is.EqualTo("20000099 2 1 0000000100000001 -> 4294967296"));
    }

    [Test]
    public void A_reply_that_does_not_decode_throws_from_the_client()
    {
        Assert.That(() => Compiled.Call("ClientAdd", Hex.Bytes("0000")), Throws.TypeOf<XdrDecodeException>());
    }

    [TestCase("00000001 00000007", "Success 000000070000000700000007")]
    [TestCase("00000000", "Success FFFFFFFFFFFFFFFFFFFFFFFF")]
    [TestCase("00000002", "GarbageArguments")]
    public void Procedure_types_that_are_not_structs_travel_through_shared_codecs(string arguments, string expected)
    {
        const string Xdr = """
            typedef int *maybe_int;
            typedef int triple[3];
            program OPT_PROGRAM {
                version OPT_V1 {
                    triple OPTPROC_SPREAD(maybe_int) = 1;
                } = 1;
            } = 0x20000100;
            """;
        // int? and a fixed array are no generated types: the dispatcher reads and writes them through shared codecs.
        const string Service = """
            public sealed class Service : IOptV1<int>
            {
                public ValueTask<XdrList<int, XdrInt32Codec>> SpreadAsync(int? arguments, int context) =>
                    new(new[] { arguments ?? -1, arguments ?? -1, arguments ?? -1 });
            }

            public static string Dispatch(byte[] arguments)
            {
                using var results = new XdrBufferWriter();
                var outcome = new OptV1Dispatcher<int>(new Service()).DispatchAsync(1, arguments, 0, results).AsTask().GetAwaiter().GetResult();
                return $"{outcome} {Convert.ToHexString(results.WrittenSpan)}".TrimEnd();
            }
            """;
        using var compiled = GeneratorHarness.Run(Xdr).Compile(Service);
        Assert.That(compiled.Call<string>("Dispatch", Hex.Bytes(arguments)), Is.EqualTo(expected));
    }
}
