/** The image store's public shapes, as the CRI ImageService reports them. */

/** ImageConfig is the part of an OCI image config a container is made from. */
export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  /** exposedPorts are `80/tcp`-style keys of the config's ExposedPorts. */
  exposedPorts?: string[];
}

/** ImageRecord is one image in the store: its id is `sha256:<config digest>`, as in Docker and containerd. */
export interface ImageRecord {
  id: string;
  /** repoTags are normalized `domain/path:tag` names pointing at this image. */
  repoTags: string[];
  /** repoDigests are `domain/path@sha256:<manifest digest>` names, known for pulled and OCI-imported images. */
  repoDigests: string[];
  /** size is the bytes of the image's content: its config and layer blobs as stored. */
  size: number;
  config: ImageConfig;
}

/** StoredImage is the on-disk record behind an ImageRecord: what rootfs and removal need besides. */
export interface StoredImage extends ImageRecord {
  /** manifestDigest is the digest of the (platform) manifest, or of the one synthesized for docker-save. */
  manifestDigest: string;
  /** layers are the layer blobs bottom first, as in the manifest. */
  layers: { digest: string; mediaType: string; size: number }[];
  /** diffIds are the uncompressed layer digests bottom first, from the config's rootfs.diff_ids. */
  diffIds: string[];
  /** chainIds name the unpacked layer directories bottom first (OCI chain ids). */
  chainIds: string[];
  /** created is when the store first recorded the image (ISO 8601). */
  created: string;
}
