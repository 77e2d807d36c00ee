namespace DittoFs.Storage;

/// <summary>LINK's answer: the file's attributes (new link count) and WCC data of the directory.</summary>
public readonly record struct LinkResult(InodeAttributes? File, WccData Directory);
