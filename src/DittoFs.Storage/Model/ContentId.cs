namespace DittoFs.Storage;

/// <summary>
/// Names a regular file's bytes in a content store. Chosen by the metadata store, never by a client; 128 bits
/// so that several metadata stores can share one content store without their ids meeting.
/// </summary>
public readonly record struct ContentId(UInt128 Value)
{
    /// <summary>The content id of objects that have no content (directories, symlinks, devices).</summary>
    public static ContentId None => default;

    public bool IsNone => Value == UInt128.Zero;

    /// <summary>32 lower-case hex digits: usable as an object key or file name by back ends.</summary>
    public override string ToString() => Value.ToString("x32");
}
