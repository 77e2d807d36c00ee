// Locals are not zeroed on entry: the C# compiler already proves every local assigned before it is read, and zeroing the
// large result structs that async store calls carry (and the JIT inlines into one frame) cost kilobytes per call.
// stackalloc buffers here are written before they are read.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
