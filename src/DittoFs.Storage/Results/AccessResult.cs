namespace DittoFs.Storage;

/// <summary>ACCESS's answer: the requested rights that are granted, and the object's attributes.</summary>
public readonly record struct AccessResult(AccessRights Granted, InodeAttributes Attributes);
