namespace DittoFs.Rpc;

/// <summary>Bounds of authsys_parms (RFC 5531 appendix A: machinename&lt;255&gt;, gids&lt;16&gt;), shared by server and client.</summary>
internal static class AuthSysLimits
{
    public const int MaxMachineNameBytes = 255;
    public const int MaxGroups = 16;
}
