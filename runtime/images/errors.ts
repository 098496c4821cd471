/** Errors of the image store: one class, a stable FLT_ERR_IMAGE_* code each, the cause kept. */

/** ImageErrorCode lists every code the image store raises; callers (the CRI service) switch on it. */
export type ImageErrorCode =
  | 'FLT_ERR_IMAGE_REFERENCE' // a reference that does not parse
  | 'FLT_ERR_IMAGE_NOT_FOUND' // no image, tag or blob by that name
  | 'FLT_ERR_IMAGE_IN_USE' // remove refused while a container rootfs uses the image
  | 'FLT_ERR_IMAGE_DIGEST_MISMATCH' // content that does not hash to the digest it came under
  | 'FLT_ERR_IMAGE_REGISTRY' // a registry answered with an error or could not be reached
  | 'FLT_ERR_IMAGE_AUTH' // the registry refused our credentials or token
  | 'FLT_ERR_IMAGE_FORMAT' // a malformed manifest, index, config, layout or tarball
  | 'FLT_ERR_IMAGE_PLATFORM' // an index without a linux/amd64 image
  | 'FLT_ERR_IMAGE_UNSUPPORTED' // a media type or compression we do not read
  | 'FLT_ERR_IMAGE_LAYER_UNSAFE' // a layer entry that would escape its directory
  | 'FLT_ERR_IMAGE_ROOTFS'; // a rootfs that could not be mounted or released

/** IMAGE_ERROR_CODES documents each code in one place (a test checks every code is listed). */
export const IMAGE_ERROR_CODES: Record<ImageErrorCode, string> = {
  FLT_ERR_IMAGE_REFERENCE: 'the image reference does not parse',
  FLT_ERR_IMAGE_NOT_FOUND: 'no such image, tag or blob',
  FLT_ERR_IMAGE_IN_USE: 'the image is used by a container rootfs',
  FLT_ERR_IMAGE_DIGEST_MISMATCH: 'content does not match its digest',
  FLT_ERR_IMAGE_REGISTRY: 'the registry failed or answered with an error',
  FLT_ERR_IMAGE_AUTH: 'the registry refused authentication',
  FLT_ERR_IMAGE_FORMAT: 'malformed image metadata or archive',
  FLT_ERR_IMAGE_PLATFORM: 'no linux/amd64 image in the index',
  FLT_ERR_IMAGE_UNSUPPORTED: 'unsupported media type or compression',
  FLT_ERR_IMAGE_LAYER_UNSAFE: 'a layer entry escapes the layer directory',
  FLT_ERR_IMAGE_ROOTFS: 'the container rootfs could not be prepared or released',
};

/** ImageError is what every image-store failure throws: a stable code and a message naming the culprit. */
export class ImageError extends Error {
  override readonly name = 'ImageError';
  constructor(
    readonly code: ImageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** isImageError tells an ImageError (optionally of one code) from any other thrown value. */
export function isImageError(err: unknown, code?: ImageErrorCode): err is ImageError {
  return err instanceof ImageError && (code === undefined || err.code === code);
}
