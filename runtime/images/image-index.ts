/**
 * The image index: one JSON record per image under `<root>/images/<id hex>.json`, written atomically,
 * and the pure rules that find an image by name:tag, name@digest, id or short id.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ImageError } from './errors.js';
import { hexOf } from './oci.js';
import { parseReference, repositoryName, taggedName } from './reference.js';
import { sweepStale, writeFileAtomic } from './store.js';
import type { StoredImage } from './types.js';

/** resolveImage finds the image a user's reference means, or undefined; pure, over a list of records. */
export function resolveImage(images: readonly StoredImage[], ref: string): StoredImage | undefined {
  const bare = ref.startsWith('sha256:') ? ref.slice('sha256:'.length) : ref;
  if (/^[a-f0-9]{64}$/.test(bare)) return images.find((i) => i.id === `sha256:${bare}`);
  let parsed;
  try {
    parsed = parseReference(ref);
  } catch {
    parsed = undefined;
  }
  if (parsed) {
    const name = repositoryName(parsed);
    if (parsed.digest !== undefined) {
      const byDigest = images.find((i) => i.repoDigests.includes(`${name}@${parsed.digest}`));
      if (byDigest) return byDigest;
    } else {
      const tagged = taggedName(parsed)!;
      const byTag = images.find((i) => i.repoTags.includes(tagged));
      if (byTag) return byTag;
    }
  }
  if (/^[a-f0-9]{4,63}$/.test(bare)) {
    const matches = images.filter((i) => i.id.startsWith(`sha256:${bare}`));
    if (matches.length === 1) return matches[0];
  }
  return undefined;
}

/** ImageIndex holds the records in memory and on disk; callers serialize mutations. */
export class ImageIndex {
  private readonly dir: string;
  private images = new Map<string, StoredImage>();
  private loadedStamp: bigint | undefined;

  constructor(root: string) {
    this.dir = path.join(root, 'images');
  }

  /** load makes the directory, drops temp files of dead writers and reads every record. */
  async load(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    await sweepStale(this.dir);
    this.loadedStamp = undefined;
    this.refresh();
  }

  /**
   * refresh re-reads the records when the directory changed since the last read, so that a second
   * process on the same store (`flotilla runtime import` beside a running runtime) is seen at once.
   * Records are renamed into place whole, so a read never sees half a record.
   */
  private refresh(): void {
    const stamp = fs.statSync(this.dir, { bigint: true }).mtimeNs;
    if (stamp === this.loadedStamp) return;
    const images = new Map<string, StoredImage>();
    for (const name of fs.readdirSync(this.dir).sort()) {
      if (!/^[a-f0-9]{64}\.json$/.test(name)) continue;
      const file = path.join(this.dir, name);
      let rec: StoredImage;
      try {
        rec = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredImage;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed while we listed
        throw new ImageError('FLT_ERR_IMAGE_FORMAT', `image record ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
      }
      images.set(rec.id, rec);
    }
    this.images = images;
    this.loadedStamp = stamp;
  }

  /** all lists the records, oldest first. */
  all(): StoredImage[] {
    this.refresh();
    return [...this.images.values()].sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
  }

  /** get returns a record by full id. */
  get(id: string): StoredImage | undefined {
    this.refresh();
    return this.images.get(id);
  }

  /** resolve finds a record by any reference form (see resolveImage). */
  resolve(ref: string): StoredImage | undefined {
    return resolveImage(this.all(), ref);
  }

  /** put writes a record, first taking its tags and digests away from any other image (a name points at one). */
  async put(rec: StoredImage): Promise<void> {
    this.refresh();
    for (const other of this.images.values()) {
      if (other.id === rec.id) continue;
      const repoTags = other.repoTags.filter((t) => !rec.repoTags.includes(t));
      const repoDigests = other.repoDigests.filter((d) => !rec.repoDigests.includes(d));
      if (repoTags.length !== other.repoTags.length || repoDigests.length !== other.repoDigests.length) {
        await this.write({ ...other, repoTags, repoDigests });
      }
    }
    await this.write(rec);
  }

  private async write(rec: StoredImage): Promise<void> {
    await writeFileAtomic(path.join(this.dir, `${hexOf(rec.id)}.json`), `${JSON.stringify(rec, null, 2)}\n`);
    this.images.set(rec.id, rec);
  }

  /** delete removes a record. */
  async delete(id: string): Promise<void> {
    await fsp.rm(path.join(this.dir, `${hexOf(id)}.json`), { force: true });
    this.images.delete(id);
  }
}
