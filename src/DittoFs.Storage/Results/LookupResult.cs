namespace DittoFs.Storage;

/// <summary>
/// LOOKUP's answer: the object found and the directory's attributes. The directory's attributes are also
/// there on NoEnt and Access, so negative lookups can be cached (RFC 1813 §3.3.3 LOOKUP3resfail).
/// </summary>
public readonly record struct LookupResult(InodeAttributes File, InodeAttributes? Directory);
