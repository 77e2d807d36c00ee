namespace DittoFs.Storage;

/// <summary>
/// Weak cache consistency data for one object (wcc_data, RFC 1813 §2.6): its attributes just before and just
/// after an operation. Either may be absent when the store could not read them (e.g. a stale handle).
/// </summary>
public readonly record struct WccData(WccAttributes? Before, InodeAttributes? After)
{
    /// <summary>WCC data of an object an operation left unchanged.</summary>
    public static WccData Unchanged(in InodeAttributes attributes) => new(attributes.ToWcc(), attributes);
}
