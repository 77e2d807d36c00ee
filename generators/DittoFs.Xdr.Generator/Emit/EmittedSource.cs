using DittoFs.Xdr.Generator.Diagnostics;

namespace DittoFs.Xdr.Generator.Emit;

/// <summary>
/// One generated source, or the internal error that stopped it; the output of a cached pipeline step, so the
/// source is added again from the cache when its slice of the model did not change.
/// </summary>
internal sealed record EmittedSource(string HintName, string Text, DiagnosticInfo? Error);
