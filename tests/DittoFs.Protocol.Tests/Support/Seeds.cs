namespace DittoFs.Protocol.Tests.Support;

/// <summary>Seeds for random tests: fixed per test case (string.GetHashCode changes per process), so a failure reproduces.</summary>
public static class Seeds
{
    private const int Base = 20_251_125;

    /// <summary>FNV-1a of the name, mixed with a fixed base.</summary>
    public static int For(string name)
    {
        uint hash = 2166136261;
        foreach (char c in name)
            hash = (hash ^ c) * 16777619;
        return (int)(hash ^ Base);
    }
}
