namespace DittoFs.Storage.S3.Remote;

/// <summary>One object of a listing: its key and its size in bytes.</summary>
internal readonly record struct ListedObject(string Key, ulong Size);
