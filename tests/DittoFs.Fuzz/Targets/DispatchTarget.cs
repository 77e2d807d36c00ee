using System.Buffers.Binary;
using System.Reflection;
using DittoFs.Fuzz.Engine;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;

namespace DittoFs.Fuzz.Targets;

/// <summary>
/// Target (c): a call, mutated from valid calls of every NFSv3 and MOUNT v3 procedure, taken through what an RpcCall
/// does (header, credential, program lookup) and then the generated dispatcher into the real services on memory stores.
/// An input is program, version and procedure (three words) and the arguments; the target puts them in a call message
/// with a valid credential (AUTH_SYS root, or AUTH_NONE when the version word's top bit is set), so mutations land on
/// what the services decode. The header and credential are the record target's to fuzz. Properties: dispatch never throws (a throw would be SYSTEM_ERR: a bug) and always completes (within
/// 10 s); a successful result decodes with its procedure's result codec; the reply is within rtmax plus headers; and
/// no message allocates more than <see cref="MaxAllocationPerMessage"/>.
/// </summary>
internal sealed class DispatchTarget : IFuzzTarget
{
    /// <summary>A READ of rtmax (1 MiB) into a pooled buffer the first time, plus room; far above any steady-state call.</summary>
    public const long MaxAllocationPerMessage = 8L * 1024 * 1024;

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);
    private readonly RpcCallContext _context = new() { Gids = new uint[16] };
    private readonly XdrBufferWriter _reply = new();
    private readonly Dictionary<(uint Program, uint Procedure), Func<ReadOnlyMemory<byte>, bool>> _resultChecks = [];
    private NfsEnvironment _environment;

    public DispatchTarget()
    {
        _environment = NfsEnvironment.Create();
        var calls = ValidCalls.For(_environment);
        foreach (var call in calls.Where(call => call.ResultCodec is not null))
        {
            _resultChecks[(call.Program, call.Procedure)] = DecodeCheck(call.ResultCodec!);
        }
        Seeds = calls.Select(call => Input(call)).ToList();
    }

    public string Name => "nfs-dispatch";
    public IReadOnlyList<byte[]> Seeds { get; }
    public int MaxInputLength => 64 * 1024;

    /// <summary>The most any one message allocated so far.</summary>
    public long MaxAllocated { get; private set; }

    /// <summary>What the statuses were, per program/procedure/status word (for the report).</summary>
    public Dictionary<(uint Program, uint Procedure, string Outcome), long> Outcomes { get; } = [];

    /// <summary>A valid call as this target's input: program, version, procedure, arguments.</summary>
    public static byte[] Input(ValidCall call)
    {
        var input = new byte[12 + call.Arguments.Length];
        BinaryPrimitives.WriteUInt32BigEndian(input, call.Program);
        BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(4), 3);
        BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(8), call.Procedure);
        call.Arguments.Span.CopyTo(input.AsSpan(12));
        return input;
    }

    public ulong Run(byte[] input)
    {
        if (input.Length < 12)
        {
            return 0;
        }
        uint version = BinaryPrimitives.ReadUInt32BigEndian(input.AsSpan(4));
        var (message, _) = ValidCalls.Message(xid: 1, BinaryPrimitives.ReadUInt32BigEndian(input), version & 0x7FFF_FFFF,
            BinaryPrimitives.ReadUInt32BigEndian(input.AsSpan(8)), input[12..], authNone: (version & 0x8000_0000) != 0);
        return RunMessage(message);
    }

    /// <summary>A whole call message through the server's call path.</summary>
    public ulong RunMessage(byte[] input)
    {
        var signature = new Signature(7);
        if (!RpcCallHeader.IsCall(input))
        {
            return signature.Add(1).Value;
        }
        var status = RpcCallHeader.Decode(input, out var header, out var arguments);
        if (status != CallHeaderStatus.Ok)
        {
            return signature.Add(10 + (ulong)status).Value;
        }
        var auth = RpcCredentials.Accept(header.Credential, _context);
        if (auth != AuthStat.AuthOk)
        {
            return signature.Add(20 + (ulong)auth).Value;
        }
        var program = _environment.Find(header.Program, header.Version);
        if (program is null)
        {
            return signature.Add(30).Value;
        }
        _context.Xid = header.Xid;
        _context.Program = header.Program;
        _context.Version = header.Version;
        _context.Procedure = header.Procedure;
        _context.Client = NfsEnvironment.Client;
        _context.CancellationToken = CancellationToken.None;
        _reply.Clear();

        long before = GC.GetAllocatedBytesForCurrentThread();
        var pending = program.DispatchAsync(header.Procedure, arguments, _context, _reply);
        if (!pending.IsCompleted && !pending.AsTask().Wait(CallTimeout))
        {
            throw new FuzzPropertyException($"hang: {header.Program}/{header.Procedure} did not complete within {CallTimeout}");
        }
        var result = pending.Result;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        MaxAllocated = Math.Max(MaxAllocated, allocated);
        if (allocated > MaxAllocationPerMessage)
        {
            throw new FuzzPropertyException($"memory: {header.Program}/{header.Procedure} allocated {allocated} bytes for a {input.Length}-byte message");
        }
        if (_reply.WrittenCount > _environment.Options.MaxTransferSize + 64 * 1024)
        {
            throw new FuzzPropertyException($"reply size: {header.Program}/{header.Procedure} wrote {_reply.WrittenCount} bytes");
        }
        // Procedure numbers past the last one are all the same behaviour (PROC_UNAVAIL), whatever their value.
        signature = signature.Add(header.Program).Add(Math.Min(header.Procedure, 32u)).Add((ulong)result);
        string outcome = result.ToString();
        if (result == XdrDispatchResult.Success && _resultChecks.TryGetValue((header.Program, header.Procedure), out var check))
        {
            if (!check(_reply.WrittenMemory))
            {
                throw new FuzzPropertyException($"reply: the result of {header.Program}/{header.Procedure} does not decode with its codec");
            }
            // The status word (nfsstat3 / mountstat3) tells which answer the call got.
            uint statusWord = _reply.WrittenCount >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(_reply.WrittenSpan) : 99;
            signature = signature.Add(statusWord).Add((ulong)System.Numerics.BitOperations.Log2((uint)_reply.WrittenCount));
            outcome = header.Program == NfsV3Program.Program ? ((Nfsstat3)statusWord).ToString() : ((Mountstat3)statusWord).ToString();
        }
        var key = (header.Program, header.Procedure, outcome);
        Outcomes[key] = Outcomes.GetValueOrDefault(key) + 1;
        return signature.Value;
    }

    /// <summary>
    /// A fresh environment (the stores fill up as inputs create things) and the corpus moved onto it: its handles
    /// differ from the old ones only in their generation, so every old handle in an input is replaced by its new one.
    /// </summary>
    public void Refresh(List<byte[]> corpus)
    {
        var old = _environment.Handles;
        _environment = NfsEnvironment.Create();
        var fresh = _environment.Handles;
        foreach (var input in corpus)
        {
            for (int h = 0; h < old.Count; h++)
            {
                for (int at = input.AsSpan().IndexOf(old[h]); at >= 0; at = NextIndex(input, old[h], at + 1))
                {
                    fresh[h].CopyTo(input, at);
                }
            }
        }
    }

    /// <summary>
    /// Rewrites handles of any earlier environment in <paramref name="input"/> (same share and file ids, another
    /// generation) into this environment's, so a saved input means today what it meant when it was found.
    /// </summary>
    public void AdoptHandles(byte[] input)
    {
        foreach (var handle in _environment.Handles)
        {
            var prefix = handle.AsSpan(0, 16); // format, reserved, share id, file id
            for (int at = input.AsSpan().IndexOf(prefix); at >= 0 && at + handle.Length <= input.Length; at = NextIndex(input, prefix.ToArray(), at + 1))
            {
                handle.CopyTo(input, at);
            }
        }
    }

    private static int NextIndex(byte[] input, byte[] value, int from)
    {
        if (from >= input.Length)
        {
            return -1;
        }
        int found = input.AsSpan(from).IndexOf(value);
        return found < 0 ? -1 : from + found;
    }

    /// <summary>The encoded result of a valid call in an environment (a seed for the codec target), or null.</summary>
    public static byte[]? ResultOf(NfsEnvironment environment, ValidCall call)
    {
        var context = new RpcCallContext { Gids = new uint[16], Client = NfsEnvironment.Client, AuthFlavor = 1 };
        using var reply = new XdrBufferWriter();
        var program = environment.Find(call.Program, 3)!;
        var result = program.DispatchAsync(call.Procedure, call.Arguments, context, reply).AsTask().GetAwaiter().GetResult();
        return result == XdrDispatchResult.Success ? reply.WrittenSpan.ToArray() : null;
    }

    private static Func<ReadOnlyMemory<byte>, bool> DecodeCheck(Type codec)
    {
        var coded = codec.GetInterfaces().Single(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IXdrCodec<>)).GetGenericArguments()[0];
        var method = typeof(DispatchTarget).GetMethod(nameof(Decodes), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(coded, codec);
        return method.CreateDelegate<Func<ReadOnlyMemory<byte>, bool>>();
    }

    private static bool Decodes<T, TCodec>(ReadOnlyMemory<byte> bytes) where TCodec : IXdrCodec<T>
    {
        var reader = new XdrReader(bytes);
        TCodec.Read(ref reader);
        return !reader.HasError && reader.Remaining == 0;
    }
}
