namespace DittoFs.Storage;

/// <summary>The 12 mode bits a store keeps: permissions plus set-uid, set-gid and sticky (RFC 1813 §2.5 mode3).</summary>
public static class ModeBits
{
    public const uint SetUid = 0x800;   // 04000
    public const uint SetGid = 0x400;   // 02000
    public const uint Sticky = 0x200;   // 01000
    public const uint OwnerRead = 0x100; // 0400
    public const uint OwnerWrite = 0x80; // 0200
    public const uint OwnerExecute = 0x40; // 0100
    public const uint GroupRead = 0x20;  // 040
    public const uint GroupWrite = 0x10; // 020
    public const uint GroupExecute = 0x8; // 010
    public const uint OtherRead = 0x4;   // 04
    public const uint OtherWrite = 0x2;  // 02
    public const uint OtherExecute = 0x1; // 01

    /// <summary>Any execute bit.</summary>
    public const uint AnyExecute = OwnerExecute | GroupExecute | OtherExecute;

    /// <summary>Everything a mode may hold (07777). Clients sometimes send file-type bits too; they are dropped.</summary>
    public const uint All = 0xFFF;
}
