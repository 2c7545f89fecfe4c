'use strict';
// The local S3 API: s3rver plus the two multipart-upload operations it does not implement, AbortMultipartUpload and
// ListMultipartUploads, so that what Campus does with an unfinished upload (abort it; find none left behind) happens
// locally as it does on MinIO and S3. s3rver keeps an upload in <directory>/<bucket>/._S3rver_uploads/<uploadId>/ (the
// object key in the file `key`, each part a file) until it is completed, then removes that folder; aborting removes it too.
//
//   node s3rver-multipart.cjs DIRECTORY ADDRESS PORT
//
// Path-style requests only (Campus's clients use path style). s3rver checks no signature; nor does this.
const path = require('node:path');
const fs = require('node:fs/promises');
const S3rver = require('s3rver');
const S3Error = require('s3rver/lib/models/error');

const UPLOADS = '._S3rver_uploads';
const UPLOAD_ID = /^[0-9a-f]{32}$/; // what s3rver's initiate hands out

const [directory, address, port] = process.argv.slice(2);
if (!directory || !address || !port) {
  console.error('usage: node s3rver-multipart.cjs DIRECTORY ADDRESS PORT');
  process.exit(2);
}

/** `/bucket/some/key` → ['bucket', 'some/key'] (the key decoded, '' when none); null when not decodable. */
function split(requestPath) {
  const [bucket, ...key] = requestPath.split('/').slice(1);
  try {
    return [decodeURIComponent(bucket ?? ''), key.map(decodeURIComponent).join('/')];
  } catch {
    return null; // malformed escapes: left to s3rver's own answer
  }
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/; // S3's bucket names: never '..' or a path

async function ensureBucket(store, bucket) {
  if (!BUCKET.test(bucket) || !(await store.getBucket(bucket))) {
    throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
  }
}

/** Upload `id` of the bucket as {id, key, initiated}, or null when there is none (never was, completed or aborted). */
async function uploadOf(bucket, id) {
  const keyFile = path.join(directory, bucket, UPLOADS, id, 'key');
  try {
    const [key, { birthtime, mtime }] = await Promise.all([fs.readFile(keyFile, 'utf8'), fs.stat(keyFile)]);
    return { id, key, initiated: (birthtime.getTime() ? birthtime : mtime).toISOString() };
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw err;
  }
}

async function uploadsOf(store, bucket) {
  await ensureBucket(store, bucket);
  const ids = await fs.readdir(path.join(directory, bucket, UPLOADS)).catch(err => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
  const uploads = await Promise.all(ids.filter(id => UPLOAD_ID.test(id)).map(id => uploadOf(bucket, id)));
  return uploads.filter(Boolean);
}

/** ListMultipartUploads: GET /bucket?uploads[&prefix=…] — every unfinished upload, by key then start. */
async function listUploads(ctx, bucket) {
  const prefix = String(ctx.query.prefix ?? '');
  const uploads = (await uploadsOf(ctx.store, bucket))
    .filter(u => u.key.startsWith(prefix))
    .sort((a, b) => a.key.localeCompare(b.key) || a.initiated.localeCompare(b.initiated));
  ctx.body = {
    ListMultipartUploadsResult: {
      '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
      Bucket: bucket,
      KeyMarker: '',
      UploadIdMarker: '',
      Prefix: prefix,
      MaxUploads: 1000,
      IsTruncated: false,
      Upload: uploads.map(u => ({ Key: u.key, UploadId: u.id, Initiated: u.initiated, StorageClass: 'STANDARD' })),
    },
  };
}

/** AbortMultipartUpload: DELETE /bucket/key?uploadId=… — the parts are discarded; 404 NoSuchUpload when none such. */
async function abortUpload(ctx, bucket, key) {
  const id = String(ctx.query.uploadId);
  await ensureBucket(ctx.store, bucket);
  const upload = UPLOAD_ID.test(id) ? await uploadOf(bucket, id) : null;
  if (upload?.key !== key) {
    throw new S3Error(
      'NoSuchUpload',
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      { UploadId: id },
    );
  }
  await fs.rm(path.join(directory, bucket, UPLOADS, upload.id), { recursive: true, force: true });
  ctx.status = 204;
}

const server = new S3rver({ directory, address, port: Number(port), silent: false });
// Before s3rver's router (its last middleware), after its error handling and XML encoding.
server.middleware.splice(server.middleware.length - 1, 0, async (ctx, next) => {
  const [bucket, key] = split(ctx.path) ?? [];
  if (ctx.method === 'GET' && bucket && !key && 'uploads' in ctx.query) {
    return listUploads(ctx, bucket);
  }
  if (ctx.method === 'DELETE' && bucket && key && 'uploadId' in ctx.query) {
    return abortUpload(ctx, bucket, key);
  }
  return next();
});

server.run().then(
  ({ address: host, port: listening }) => console.log('S3rver listening on %s:%d (with AbortMultipartUpload, ListMultipartUploads)', host, listening),
  err => {
    console.error(err);
    process.exit(1);
  },
);
