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
/// <para>
/// With <c>nfs4</c>, the same for NFSv4 (100003 v4) from valid 4.0 and 4.1 COMPOUNDs (<see cref="Nfs4Calls"/>), through
/// the server's <see cref="DittoFs.Nfs.Nfs4Dispatcher{TContext}"/>; a reply must also be what RFC 8881 §16.2.3 / RFC 7530's
/// COMPOUND allow: no more results than operations sent, and a status that is the last result's (ILLEGAL's
/// NFS4ERR_OP_ILLEGAL). A 4.1 input's SEQUENCE id 0 is filled in with the slot's next id, so mutations reach past it.
/// </para>
/// </summary>
internal sealed class DispatchTarget : IFuzzTarget
{
    /// <summary>A READ of rtmax (1 MiB) into a pooled buffer the first time, plus room; far above any steady-state call.</summary>
    public const long MaxAllocationPerMessage = 8L * 1024 * 1024;

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);
    private readonly RpcCallContext _context = new() { Gids = new uint[16] };
    private readonly XdrBufferWriter _reply = new();
    private readonly Dictionary<(uint Program, uint Version, uint Procedure), Func<ReadOnlyMemory<byte>, bool>> _resultChecks = [];
    private readonly uint[] _slotSequence = new uint[NfsEnvironment.Nfs4Slots];
    private NfsEnvironment _environment;

    /// <param name="nfs4">Fuzz NFSv4 COMPOUNDs instead of NFSv3 and MOUNT calls.</param>
    public DispatchTarget(bool nfs4 = false)
    {
        IsNfs4 = nfs4;
        _environment = NfsEnvironment.Create();
        var calls = nfs4 ? Nfs4Calls.For(_environment) : ValidCalls.For(_environment);
        foreach (var call in calls.Where(call => call.ResultCodec is not null))
        {
            _resultChecks[(call.Program, call.Version, call.Procedure)] = DecodeCheck(call.ResultCodec!);
        }
        Seeds = calls.Select(call => Input(call)).ToList();
    }

    public bool IsNfs4 { get; }

    public string Name => IsNfs4 ? "nfs4-dispatch" : "nfs-dispatch";
    public IReadOnlyList<byte[]> Seeds { get; }
    public int MaxInputLength => 64 * 1024;

    /// <summary>The most any one message allocated so far.</summary>
    public long MaxAllocated { get; private set; }

    /// <summary>What the statuses were, per program/version/procedure/status word (for the report).</summary>
    public Dictionary<(uint Program, uint Version, uint Procedure, string Outcome), long> Outcomes { get; } = [];

    /// <summary>A valid call as this target's input: program, version, procedure, arguments.</summary>
    public static byte[] Input(ValidCall call)
    {
        var input = new byte[12 + call.Arguments.Length];
        BinaryPrimitives.WriteUInt32BigEndian(input, call.Program);
        BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(4), call.Version);
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
        var arguments = input[12..];
        if (IsNfs4)
        {
            FillSequence(arguments);
        }
        var (message, _) = ValidCalls.Message(xid: 1, BinaryPrimitives.ReadUInt32BigEndian(input), version & 0x7FFF_FFFF,
            BinaryPrimitives.ReadUInt32BigEndian(input.AsSpan(8)), arguments, authNone: (version & 0x8000_0000) != 0);
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
        if (result == XdrDispatchResult.Success && _resultChecks.TryGetValue((header.Program, header.Version, header.Procedure), out var check))
        {
            if (!check(_reply.WrittenMemory))
            {
                throw new FuzzPropertyException($"reply: the result of {header.Program}/{header.Procedure} does not decode with its codec");
            }
            if (header.Version == Nfs4V4Program.Version)
            {
                signature = CheckCompound(arguments.Span, signature);
            }
            // The status word (nfsstat3 / mountstat3) tells which answer the call got.
            uint statusWord = _reply.WrittenCount >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(_reply.WrittenSpan) : 99;
            signature = signature.Add(statusWord).Add((ulong)System.Numerics.BitOperations.Log2((uint)_reply.WrittenCount));
            outcome = header.Program == MountV3Program.Program ? ((Mountstat3)statusWord).ToString()
                : header.Version == Nfs4V4Program.Version ? ((Nfsstat4)statusWord).ToString()
                : ((Nfsstat3)statusWord).ToString();
        }
        var key = (header.Program, header.Version, header.Procedure, outcome);
        Outcomes[key] = Outcomes.GetValueOrDefault(key) + 1;
        return signature.Value;
    }

    /// <summary>
    /// A fresh environment (the stores fill up as inputs create things) and the corpus moved onto it: its handles
    /// differ from the old ones only in their generation, so every old handle in an input is replaced by its new one.
    /// </summary>
    public void Refresh(List<byte[]> corpus)
    {
        var old = _environment.Replaceable;
        _environment = NfsEnvironment.Create();
        var fresh = _environment.Replaceable;
        Array.Clear(_slotSequence); // a new session
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
    /// generation) into this environment's, and a v4 input's SEQUENCE session id into its session's, so a saved input
    /// means today what it meant when it was found.
    /// </summary>
    public void AdoptHandles(byte[] input)
    {
        if (IsNfs4 && input.Length > 12 && SequenceIdAt(input.AsSpan(12)) is int sequenceId)
        {
            _environment.Nfs4Session.CopyTo(input, 12 + sequenceId - 16); // SEQUENCE's session id, before its sequence id
        }
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
        var program = environment.Find(call.Program, call.Version)!;
        var result = program.DispatchAsync(call.Procedure, call.Arguments, context, reply).AsTask().GetAwaiter().GetResult();
        return result == XdrDispatchResult.Success ? reply.WrittenSpan.ToArray() : null;
    }

    /// <summary>
    /// A 4.1 input's SEQUENCE (the first operation) with sequence id 0 gets the slot's next id, as a client would send;
    /// any other id is left as the input has it.
    /// </summary>
    private void FillSequence(byte[] arguments)
    {
        if (SequenceIdAt(arguments) is not int at)
        {
            return;
        }
        uint slot = BinaryPrimitives.ReadUInt32BigEndian(arguments.AsSpan(at + 4));
        if (BinaryPrimitives.ReadUInt32BigEndian(arguments.AsSpan(at)) == 0 && slot < _slotSequence.Length)
        {
            BinaryPrimitives.WriteUInt32BigEndian(arguments.AsSpan(at), unchecked(_slotSequence[slot] + 1));
        }
    }

    /// <summary>Where SEQUENCE's sequence id is in COMPOUND4args that start with SEQUENCE: after the tag, minor version, count, opnum and session id.</summary>
    private static int? SequenceIdAt(ReadOnlySpan<byte> arguments)
    {
        if (arguments.Length < 4)
        {
            return null;
        }
        long at = 4 + ((BinaryPrimitives.ReadUInt32BigEndian(arguments) + 3L) & ~3L) + 8;
        if (at + 4 + 16 + 8 > arguments.Length || BinaryPrimitives.ReadUInt32BigEndian(arguments[(int)at..]) != (uint)NfsOpnum4.OpSequence)
        {
            return null;
        }
        return (int)at + 4 + 16;
    }

    /// <summary>
    /// RFC 8881 §16.2.3 / RFC 7530's COMPOUND: at most one result per operation sent, and the COMPOUND's status is the
    /// last result's (a result's arm starts with its status; ILLEGAL's is NFS4ERR_OP_ILLEGAL). Notes the session's slot
    /// a SEQUENCE used, and adds the results' shape to the signature.
    /// </summary>
    private Signature CheckCompound(ReadOnlySpan<byte> arguments, Signature signature)
    {
        var reader = new XdrReader(_reply.WrittenMemory);
        var reply = Compound4Res.Read(ref reader);
        long tag = 4 + ((BinaryPrimitives.ReadUInt32BigEndian(arguments) + 3L) & ~3L);
        uint sent = BinaryPrimitives.ReadUInt32BigEndian(arguments[(int)(tag + 4)..]);
        var results = reply.Resarray.ToArray();
        if ((uint)results.Length > sent)
        {
            throw new FuzzPropertyException($"reply: {results.Length} results for {sent} operations");
        }
        if (results.Length == 0)
        {
            return signature.Add(0);
        }
        var last = results[^1];
        var status = (Nfsstat4)BinaryPrimitives.ReadInt32BigEndian(XdrCodec.Encode(last).AsSpan(4));
        if (status != reply.Status || (last.Resop == NfsOpnum4.OpIllegal && status != Nfsstat4.Nfs4errOpIllegal))
        {
            throw new FuzzPropertyException($"reply: COMPOUND status {reply.Status}, its last result ({last.Resop}) {status}");
        }
        if (results[0].Resop == NfsOpnum4.OpSequence && results[0].Opsequence is { SrStatus: Nfsstat4.Nfs4Ok } sequence
            && sequence.SrResok4.SrSessionid.Value.Span.SequenceEqual(_environment.Nfs4Session) && sequence.SrResok4.SrSlotid < _slotSequence.Length)
        {
            _slotSequence[sequence.SrResok4.SrSlotid] = sequence.SrResok4.SrSequenceid;
        }
        return signature.Add((ulong)Math.Min(results.Length, 16)).Add((ulong)last.Resop);
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
