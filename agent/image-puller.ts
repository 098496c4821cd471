/**
 * Makes a container's image present per its imagePullPolicy: Always pulls, IfNotPresent pulls when
 * absent, Never refuses an absent image with ErrImageNeverPull. Pulls of the same image are shared,
 * and a present image is remembered for a few seconds so that fifty pods of one image cost one
 * ImageStatus call, not fifty.
 */
import type { Container } from '../api/types.js';
import type { RuntimeClient } from '../runtime/client.js';
import { AgentError } from './errors.js';

/** PullPolicy is Kubernetes' imagePullPolicy. */
export type PullPolicy = NonNullable<Container['imagePullPolicy']>;

/** pullPolicyOf applies Kubernetes' default: Always for :latest or untagged images, else IfNotPresent. */
export function pullPolicyOf(c: Readonly<Container>): PullPolicy {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  if (c.image.includes('@')) return 'IfNotPresent';
  const lastPart = c.image.slice(c.image.lastIndexOf('/') + 1);
  const tag = lastPart.includes(':') ? lastPart.slice(lastPart.indexOf(':') + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** ImageResult is the image reference the container runs, and whether a pull happened. */
export interface ImageResult {
  imageRef: string;
  pulled: boolean;
  /** Set when an Always pull failed and the local copy is used instead. */
  warning?: string;
}

/** ImagePuller ensures images are present. */
export class ImagePuller {
  private readonly present = new Map<string, { ref: string; until: number }>();
  private readonly pulling = new Map<string, Promise<string>>();
  /** Images whose Always-pull failed lately while a local copy exists: not retried for a minute. */
  private readonly pullFailedAt = new Map<string, number>();

  constructor(
    private readonly runtime: RuntimeClient,
    private readonly presentTtlMs = 5000,
  ) {}

  private async localRef(image: string): Promise<string | undefined> {
    const hit = this.present.get(image);
    if (hit && hit.until > Date.now()) return hit.ref;
    const r = await this.runtime.imageStatus({ image: { image } });
    if (!r.image) {
      this.present.delete(image);
      return undefined;
    }
    this.present.set(image, { ref: r.image.id, until: Date.now() + this.presentTtlMs });
    return r.image.id;
  }

  private pull(image: string): Promise<string> {
    let p = this.pulling.get(image);
    if (!p) {
      p = this.runtime
        .pullImage({ image: { image } })
        .then((r) => {
          this.present.set(image, { ref: r.imageRef, until: Date.now() + this.presentTtlMs });
          return r.imageRef;
        })
        .finally(() => this.pulling.delete(image));
      this.pulling.set(image, p);
    }
    return p;
  }

  /**
   * ensure makes the image present; `onPulling` is called before a pull (for the Pulling event).
   * Throws AgentError FLT_ERR_AGENT_IMAGE_NEVER_PULL or FLT_ERR_AGENT_IMAGE_PULL.
   */
  async ensure(c: Readonly<Container>, onPulling?: () => void): Promise<ImageResult> {
    const policy = pullPolicyOf(c);
    if (policy !== 'Always') {
      const ref = await this.localRef(c.image);
      if (ref) return { imageRef: ref, pulled: false };
      if (policy === 'Never') {
        throw new AgentError('FLT_ERR_AGENT_IMAGE_NEVER_PULL', `Container image "${c.image}" is not present with pull policy of Never`);
      }
    }
    const failedAt = this.pullFailedAt.get(c.image);
    if (policy === 'Always' && failedAt !== undefined && Date.now() - failedAt < 60_000) {
      const ref = await this.localRef(c.image);
      if (ref) return { imageRef: ref, pulled: false };
    }
    onPulling?.();
    try {
      return { imageRef: await this.pull(c.image), pulled: true };
    } catch (e) {
      const msg = `Failed to pull image "${c.image}": ${(e as Error).message}`;
      if (policy === 'Always') {
        const ref = await this.localRef(c.image).catch(() => undefined);
        if (ref) {
          this.pullFailedAt.set(c.image, Date.now());
          return { imageRef: ref, pulled: false, warning: `${msg}; using the image already present` };
        }
      }
      throw new AgentError('FLT_ERR_AGENT_IMAGE_PULL', msg, { cause: e });
    }
  }
}
