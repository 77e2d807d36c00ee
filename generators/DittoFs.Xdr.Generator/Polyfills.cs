// netstandard2.0 lacks the type C# records need for init accessors.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit { }
}
