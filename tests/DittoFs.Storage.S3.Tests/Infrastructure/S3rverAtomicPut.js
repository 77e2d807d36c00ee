// DittoFs patch: atomic PUT. Appended to s3rver's lib/stores/filesystem.js by S3rverInstallation.cs.
// S3's PUT replaces an object atomically, and every GET after the acknowledgement sees the new object. s3rver
// 3.7.1's filesystem store does neither: it truncates the object file and writes it in place, and answers the PUT
// when its hashing Transform finishes, not when the file stream has written the bytes. A GET during a PUT, or just
// after it on a loaded machine, then sees a short object (a 416, or bytes missing), and the store's reads look like
// lost writes. Here every file is written aside and renamed over the old one once all of it is written.

FilesystemStore.prototype.dittofsPartialPath = async function dittofsPartialPath() {
  // In the data folder, so rename never crosses file systems, but outside every bucket: no listing walks into it.
  const folder = path.join(this.rootDirectory, '.dittofs-partial');
  await fs.mkdirp(folder);
  return path.join(folder, `${process.pid}-${crypto.randomBytes(12).toString('hex')}`);
};

FilesystemStore.prototype.dittofsReplaceFile = async function dittofsReplaceFile(target, write) {
  const partial = await this.dittofsPartialPath();
  try {
    const result = await write(partial);
    await fs.rename(partial, target);
    return result;
  } catch (err) {
    await fs.remove(partial);
    throw err;
  }
};

FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await fs.mkdirp(path.dirname(objectPath));

  const [size, md5] = await this.dittofsReplaceFile(objectPath, partial =>
    new Promise((resolve, reject) => {
      const writeStream = fs.createWriteStream(partial);
      const md5Context = crypto.createHash('md5');
      let totalLength = 0;
      const fail = err => {
        writeStream.destroy();
        reject(err);
      };
      // 'finish' of the file stream: every byte has been written to the file.
      writeStream
        .on('error', fail)
        .on('finish', () => resolve([totalLength, md5Context.digest('hex')]));
      if (Buffer.isBuffer(object.content)) {
        md5Context.update(object.content);
        totalLength = object.content.length;
        writeStream.end(object.content);
      } else {
        object.content
          .on('error', fail)
          .pipe(
            new Transform({
              transform(chunk, encoding, callback) {
                md5Context.update(chunk, encoding);
                totalLength += chunk.length;
                callback(null, chunk);
              },
            }),
          )
          .on('error', fail)
          .pipe(writeStream);
      }
    }),
  );
  await this.putMetadata(object.bucket, object.key, object.metadata, md5);
  return { size, md5 };
};

FilesystemStore.prototype.putMetadata = async function putMetadata(bucket, key, metadata, md5) {
  const metadataPath = this.getResourcePath(bucket, key, 'metadata.json');
  const md5Path = this.getResourcePath(bucket, key, 'object.md5');

  const json = {
    ...pick(metadata, S3Object.ALLOWED_METADATA),
    ...pickBy(metadata, (value, key) => key.startsWith('x-amz-meta-')),
  };

  if (md5) await this.dittofsReplaceFile(md5Path, partial => fs.writeFile(partial, md5));
  await this.dittofsReplaceFile(metadataPath, partial => fs.writeFile(partial, JSON.stringify(json, null, 2)));
};
