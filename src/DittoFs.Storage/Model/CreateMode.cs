namespace DittoFs.Storage;

/// <summary>How CREATE treats an existing name (createmode3, RFC 1813 §3.3.8).</summary>
public enum CreateMode
{
    /// <summary>Create, or use the existing regular file (only a requested size is applied to it).</summary>
    Unchecked = 0,
    /// <summary>Fail with Exist if the name exists.</summary>
    Guarded = 1,
    /// <summary>Create once: a retry with the same verifier finds the same file, any other verifier gets Exist.</summary>
    Exclusive = 2,
}
