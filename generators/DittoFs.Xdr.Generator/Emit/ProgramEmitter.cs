using System.Linq;
using DittoFs.Xdr.Generator.Model;

namespace DittoFs.Xdr.Generator.Emit;

/// <summary>
/// Emits one program version: its numbers, a procedure enum, the service interface, the server-side
/// dispatcher and the client stub. Dispatcher and stub use the same codecs as every other type.
/// </summary>
internal static class ProgramEmitter
{
    public static void Emit(CodeWriter code, ProgramModel model)
    {
        string title = $"<c>{model.WireProgram}</c> version <c>{model.WireVersion}</c> (program {model.Program}, version {model.Version}, {TypeEmitter.FileName(model.File)})";
        code.Line($"/// <summary>Numbers of {title}.</summary>");
        using (code.Block($"public static class {model.Name}Program"))
        {
            code.Line($"public const uint Program = {model.Program}u;");
            code.Line($"public const uint Version = {model.Version}u;");
        }
        code.Line();
        code.Line($"/// <summary>Procedures of {title}.</summary>");
        using (code.Block($"public enum {model.Name}Procedure : uint"))
        {
            foreach (var procedure in model.Procedures)
                code.Line($"/// <summary><c>{procedure.WireName}</c></summary>").Line($"{procedure.Name} = {procedure.Number}u,");
        }
        code.Line();
        EmitInterface(code, model, title);
        code.Line();
        EmitDispatcher(code, model, title);
        code.Line();
        EmitClient(code, model, title);
    }

    private static string ResultTask(ProcedureModel procedure) =>
        procedure.Result is null ? "ValueTask" : $"ValueTask<{TypeSpelling.CsType(procedure.Result)}>";

    private static void EmitInterface(CodeWriter code, ProgramModel model, string title)
    {
        code.Line($"/// <summary>The server side of {title}: one method per procedure.</summary>");
        using (code.Block($"public interface I{model.Name}<TContext>"))
        {
            foreach (var procedure in model.Procedures)
            {
                string arguments = procedure.Argument is null ? "" : $"{TypeSpelling.CsType(procedure.Argument)} arguments, ";
                code.Line($"/// <summary><c>{procedure.WireName}</c>, procedure {procedure.Number}.</summary>");
                code.Line($"{ResultTask(procedure)} {procedure.Name}Async({arguments}TContext context);");
            }
        }
    }

    private static void EmitDispatcher(CodeWriter code, ProgramModel model, string title)
    {
        code.Line($"/// <summary>Dispatches calls of {title} to an <see cref=\"I{model.Name}{{TContext}}\"/>.</summary>");
        using (code.Block($"public sealed class {model.Name}Dispatcher<TContext> : IXdrProgram<TContext>"))
        {
            code.Line($"private readonly I{model.Name}<TContext> _service;");
            code.Line();
            code.Line($"public {model.Name}Dispatcher(I{model.Name}<TContext> service) => _service = service;");
            code.Line();
            code.Line($"public uint Program => {model.Name}Program.Program;");
            code.Line($"public uint Version => {model.Name}Program.Version;");
            code.Line();
            using (code.Block($"public ValueTask<XdrDispatchResult> DispatchAsync(uint procedure, ReadOnlyMemory<byte> arguments, TContext context, XdrBufferWriter results)"))
            {
                using (code.Block("switch (procedure)"))
                {
                    foreach (var procedure in model.Procedures)
                    {
                        code.Line($"case {procedure.Number}u: // {procedure.WireName}");
                        code.Indent();
                        code.Line(procedure.Argument is null
                            ? Complete(procedure, $"_service.{procedure.Name}Async(context)")
                            : $"return Dispatch{procedure.Name}(arguments, context, results);");
                        code.Outdent();
                    }
                    code.Line("default:");
                    code.Line("    return new ValueTask<XdrDispatchResult>(XdrDispatchResult.ProcedureUnavailable);");
                }
            }
            foreach (var procedure in model.Procedures)
            {
                if (procedure.Argument is not TypeRef argument)
                    continue; // void arguments: dispatched inline above
                code.Line();
                // One method per procedure: in a single method the JIT gives every procedure's decoded arguments a
                // slot in one frame and zeroes all of it (kilobytes for NFSv3) on every call, NULL included.
                code.Line($"/// <summary>Decodes the arguments of <c>{procedure.WireName}</c> and calls the service.</summary>");
                code.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]");
                using (code.Block($"private ValueTask<XdrDispatchResult> Dispatch{procedure.Name}(ReadOnlyMemory<byte> arguments, TContext context, XdrBufferWriter results)"))
                {
                    code.Line("var reader = new XdrReader(arguments);");
                    code.Line($"var decoded = {TypeSpelling.Read(argument)};");
                    code.Line("if (reader.HasError)");
                    code.Line("    return new ValueTask<XdrDispatchResult>(XdrDispatchResult.GarbageArguments);");
                    code.Line(Complete(procedure, $"_service.{procedure.Name}Async(decoded, context)"));
                }
            }
        }
    }

    /// <summary>The statement that hands a service call's result to the reply buffer.</summary>
    private static string Complete(ProcedureModel procedure, string call) => procedure.Result is null
        ? $"return XdrDispatch.Complete({call});"
        : $"return XdrDispatch.Complete<{TypeSpelling.CsType(procedure.Result)}, {TypeSpelling.CodecType(procedure.Result)}>({call}, results);";

    private static void EmitClient(CodeWriter code, ProgramModel model, string title)
    {
        code.Line($"/// <summary>Client stub of {title}: encodes calls and decodes replies with the generated codecs.</summary>");
        using (code.Block($"public sealed class {model.Name}Client"))
        {
            code.Line("private readonly IXdrCallTransport _transport;");
            code.Line();
            code.Line($"public {model.Name}Client(IXdrCallTransport transport) => _transport = transport;");
            foreach (var procedure in model.Procedures)
            {
                code.Line();
                string parameter = procedure.Argument is null ? "" : $"{TypeSpelling.CsType(procedure.Argument)} arguments, ";
                string argumentType = procedure.Argument is null ? "XdrVoid" : TypeSpelling.CsType(procedure.Argument);
                string argumentCodec = procedure.Argument is null ? "XdrVoid" : TypeSpelling.CodecType(procedure.Argument);
                string argument = procedure.Argument is null ? "default" : "arguments";
                code.Line($"/// <summary>Calls <c>{procedure.WireName}</c>, procedure {procedure.Number}.</summary>");
                using (code.Block($"public async {ResultTask(procedure)} {procedure.Name}Async({parameter}CancellationToken cancellationToken = default)"))
                {
                    string call = $"await _transport.CallAsync<{argumentType}, {argumentCodec}>(";
                    code.Line(procedure.Result is null ? call : "var reply = " + call);
                    code.Line($"    {model.Name}Program.Program, {model.Name}Program.Version, (uint){model.Name}Procedure.{procedure.Name}, {argument}, cancellationToken).ConfigureAwait(false);");
                    if (procedure.Result is not null)
                        code.Line($"return XdrCodec.Decode<{TypeSpelling.CsType(procedure.Result)}, {TypeSpelling.CodecType(procedure.Result)}>(reply);");
                }
            }
        }
    }
}
