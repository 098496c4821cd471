/**
 * Pull over the OCI distribution API v2: manifests (OCI and Docker, indexes resolved to linux/amd64),
 * config and layer blobs streamed into the content store with their sha256 checked on the way, the
 * WWW-Authenticate Bearer token flow (and Basic) when the registry asks, HTTPS first and plain HTTP
 * only for a registry on loopback or one the caller calls insecure.
 */
import { ImageError } from './errors.js';
import type { ImportedImage } from './import.js';
import { MANIFEST_ACCEPT, parseManifest, selectPlatform, sha256Digest, type Descriptor } from './oci.js';
import { formatReference, isLoopbackRegistry, registryHost, repositoryName, taggedName, type Reference } from './reference.js';
import type { BlobStore } from './store.js';

/** PullProgress reports bytes of one layer blob as they arrive. */
export interface PullProgress {
  layer: string;
  done: number;
  total: number;
}

/** PullOptions tune a pull: plain HTTP allowed for a non-loopback registry, progress, and credentials. */
export interface PullOptions {
  insecure?: boolean;
  onProgress?: (p: PullProgress) => void;
  auth?: { username: string; password: string };
}

const MANIFEST_LIMIT = 4 << 20;
const MAX_REDIRECTS = 5;
const PARALLEL_LAYERS = 3;
const HEADERS_TIMEOUT_MS = 30_000;
const CERT_ERROR_RE = /CERT|SIGNATURE|ISSUER|ALTNAME|TLS/i;

/** parseChallenge reads a WWW-Authenticate header: its scheme and its key="value" parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  const params: Record<string, string> = {};
  if (!m) return { scheme: '', params };
  for (const p of m[2]!.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? '';
  return { scheme: m[1]!.toLowerCase(), params };
}

/** Unreachable is a connection-level failure (refused, TLS, DNS): the one kind that may fall back to HTTP. */
class Unreachable extends ImageError {
  constructor(message: string, readonly detail: string, cause: unknown) {
    super('FLT_ERR_IMAGE_REGISTRY', message, { cause });
  }
}

/**
 * RegistryClient speaks to one repository of one registry, keeping the token it was given. Like
 * Docker, it always tries HTTPS first; a loopback or `insecure` registry that cannot be reached over
 * HTTPS is then spoken to over plain HTTP, decided once, on the first request.
 */
export class RegistryClient {
  private base: string;
  private fallback: string | undefined;
  private settled = false;
  private authorization: string | undefined;

  constructor(private readonly ref: Reference, private readonly opts: PullOptions = {}) {
    const host = registryHost(ref);
    this.base = `https://${host}`;
    this.fallback = opts.insecure || isLoopbackRegistry(ref.domain) ? `http://${host}` : undefined;
  }

  /** origin is where requests go now (after the first request, the scheme that worked). */
  get origin(): string {
    return this.base;
  }

  private err(code: 'FLT_ERR_IMAGE_REGISTRY' | 'FLT_ERR_IMAGE_AUTH' | 'FLT_ERR_IMAGE_NOT_FOUND', msg: string, cause?: unknown): ImageError {
    return new ImageError(code, `pull ${formatReference(this.ref)}: ${msg}`, cause === undefined ? undefined : { cause });
  }

  private async fetchOnce(url: string, headers: Record<string, string>): Promise<Response> {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      let res: Response;
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), HEADERS_TIMEOUT_MS);
      try {
        res = await fetch(current, { headers, redirect: 'manual', signal: abort.signal });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const detail = abort.signal.aborted ? `no answer within ${HEADERS_TIMEOUT_MS / 1000} s` : cause?.code ?? cause?.message ?? (err as Error).message;
        throw new Unreachable(`pull ${formatReference(this.ref)}: cannot reach ${new URL(current).origin}: ${detail}`, detail, err);
      } finally {
        clearTimeout(timer); // the body may stream for as long as it takes
      }
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return res;
      await res.body?.cancel();
      const next = new URL(location, current);
      if (next.origin !== new URL(current).origin) delete headers.authorization; // blob storage gets no registry token
      current = next.toString();
    }
    throw this.err('FLT_ERR_IMAGE_REGISTRY', `more than ${MAX_REDIRECTS} redirects for ${url}`);
  }

  /** fetchRegistry fetches a registry path, choosing between HTTPS and the HTTP fallback on first use. */
  private async fetchRegistry(pathname: string, headers: Record<string, string>): Promise<Response> {
    const url = () => `${this.base}/v2/${this.ref.path}/${pathname}`;
    try {
      const res = await this.fetchOnce(url(), { ...headers });
      this.settled = true;
      return res;
    } catch (err) {
      // a certificate error means the registry speaks TLS: plain HTTP would only hang, so say why instead
      if (this.settled || this.fallback === undefined || !(err instanceof Unreachable) || CERT_ERROR_RE.test(err.detail)) throw err;
      const httpsDetail = err.detail;
      this.base = this.fallback;
      this.fallback = undefined;
      try {
        const res = await this.fetchOnce(url(), { ...headers });
        this.settled = true;
        return res;
      } catch (err2) {
        if (!(err2 instanceof Unreachable)) throw err2;
        throw this.err('FLT_ERR_IMAGE_REGISTRY', `cannot reach ${registryHost(this.ref)} over HTTPS (${httpsDetail}) nor over HTTP (${err2.detail})`, err2);
      }
    }
  }

  /** get fetches a registry path, answering one auth challenge if the registry sends it. */
  async get(pathname: string, accept?: string): Promise<Response> {
    const headers = (): Record<string, string> => ({
      ...(accept ? { accept } : {}),
      ...(this.authorization ? { authorization: this.authorization } : {}),
    });
    let res = await this.fetchRegistry(pathname, headers());
    if (res.status !== 401) return res;
    const challenge = parseChallenge(res.headers.get('www-authenticate') ?? '');
    await res.body?.cancel();
    await this.authenticate(challenge);
    res = await this.fetchRegistry(pathname, headers());
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw this.err('FLT_ERR_IMAGE_AUTH', `the registry refused our ${this.opts.auth ? 'credentials' : 'anonymous token'} (HTTP ${res.status})`);
    }
    return res;
  }

  private async authenticate(ch: { scheme: string; params: Record<string, string> }): Promise<void> {
    const basic = this.opts.auth ? `Basic ${Buffer.from(`${this.opts.auth.username}:${this.opts.auth.password}`).toString('base64')}` : undefined;
    if (ch.scheme === 'basic') {
      if (!basic) throw this.err('FLT_ERR_IMAGE_AUTH', 'the registry asks for a username and password (Basic auth) and none were given');
      this.authorization = basic;
      return;
    }
    if (ch.scheme !== 'bearer' || !ch.params.realm) throw this.err('FLT_ERR_IMAGE_AUTH', `unsupported auth challenge "${ch.scheme || 'none'}"`);
    const tokenUrl = new URL(ch.params.realm);
    if (ch.params.service) tokenUrl.searchParams.set('service', ch.params.service);
    tokenUrl.searchParams.set('scope', ch.params.scope ?? `repository:${this.ref.path}:pull`);
    const res = await this.fetchOnce(tokenUrl.toString(), basic ? { authorization: basic } : {});
    if (!res.ok) {
      await res.body?.cancel();
      throw this.err('FLT_ERR_IMAGE_AUTH', `token server ${tokenUrl.origin} answered HTTP ${res.status}`);
    }
    const body = (await res.json().catch(() => ({}))) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw this.err('FLT_ERR_IMAGE_AUTH', `token server ${tokenUrl.origin} gave no token`);
    this.authorization = `Bearer ${token}`;
  }

  private async failure(res: Response, what: string): Promise<ImageError> {
    const text = await res.text().catch(() => '');
    let detail = text.slice(0, 200);
    try {
      const e = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors?.[0];
      if (e) detail = `${e.code ?? ''} ${e.message ?? ''}`.trim();
    } catch {
      // not a registry error document: keep the text
    }
    if (res.status === 404) return this.err('FLT_ERR_IMAGE_NOT_FOUND', `${what} not found (HTTP 404${detail ? `: ${detail}` : ''})`);
    return this.err('FLT_ERR_IMAGE_REGISTRY', `${what}: HTTP ${res.status}${detail ? ` ${detail}` : ''}`);
  }

  /** manifest fetches a manifest or index by tag or digest, verifies it and returns its bytes and digest. */
  async manifest(tagOrDigest: string): Promise<{ bytes: Buffer; digest: string; contentType: string }> {
    const res = await this.get(`manifests/${tagOrDigest}`, MANIFEST_ACCEPT);
    if (!res.ok) throw await this.failure(res, `manifest ${tagOrDigest}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > MANIFEST_LIMIT) throw this.err('FLT_ERR_IMAGE_REGISTRY', `manifest ${tagOrDigest} is larger than ${MANIFEST_LIMIT} bytes`);
    const digest = sha256Digest(bytes);
    const claimed = tagOrDigest.startsWith('sha256:') ? tagOrDigest : res.headers.get('docker-content-digest') ?? undefined;
    if (claimed !== undefined && claimed !== digest) {
      throw new ImageError('FLT_ERR_IMAGE_DIGEST_MISMATCH', `pull ${formatReference(this.ref)}: manifest ${claimed} does not match its digest (content hashes to ${digest})`);
    }
    return { bytes, digest, contentType: res.headers.get('content-type') ?? '' };
  }

  /** blob streams a blob into the store, verified against its digest and size. */
  async blob(d: Descriptor, blobs: BlobStore, onData?: (done: number) => void): Promise<void> {
    await blobs.ingest(d.digest, async () => {
      const res = await this.get(`blobs/${d.digest}`);
      if (!res.ok) throw await this.failure(res, `blob ${d.digest}`);
      if (!res.body) throw this.err('FLT_ERR_IMAGE_REGISTRY', `blob ${d.digest}: empty response`);
      return res.body as unknown as AsyncIterable<Uint8Array>;
    }, { expectedSize: d.size, ...(onData ? { onData } : {}) });
  }
}

/** pullImage resolves a reference to its linux/amd64 image and brings its blobs into the store. */
export async function pullImage(ref: Reference, blobs: BlobStore, opts: PullOptions = {}, onBlob?: (digest: string) => void): Promise<ImportedImage> {
  const client = new RegistryClient(ref, opts);
  const top = await client.manifest(ref.digest ?? ref.tag ?? 'latest');
  let current = top;
  let m = parseManifest(current.bytes, current.contentType, `manifest ${current.digest} of ${formatReference(ref)}`);
  onBlob?.(current.digest);
  await blobs.put(current.bytes, current.digest);
  for (let depth = 0; m.kind === 'index'; depth++) {
    if (depth > 4) throw new ImageError('FLT_ERR_IMAGE_FORMAT', `pull ${formatReference(ref)}: indexes nested too deep`);
    const chosen = selectPlatform(m.manifests, `pull ${formatReference(ref)}: index ${current.digest}`);
    current = await client.manifest(chosen.digest);
    m = parseManifest(current.bytes, current.contentType || chosen.mediaType, `manifest ${current.digest} of ${formatReference(ref)}`);
    onBlob?.(current.digest);
    await blobs.put(current.bytes, current.digest);
  }
  const manifest = m;
  onBlob?.(manifest.config.digest);
  await client.blob(manifest.config, blobs);
  const queue = [...manifest.layers];
  let failed = false;
  const worker = async (): Promise<void> => {
    for (let d = failed ? undefined : queue.shift(); d; d = failed ? undefined : queue.shift()) {
      const layer = d;
      onBlob?.(layer.digest);
      opts.onProgress?.({ layer: layer.digest, done: 0, total: layer.size });
      await client.blob(layer, blobs, (done) => opts.onProgress?.({ layer: layer.digest, done, total: layer.size })).catch((err: unknown) => {
        failed = true;
        throw err;
      });
      opts.onProgress?.({ layer: layer.digest, done: layer.size, total: layer.size });
    }
  };
  // Every download in flight ends before the pull fails: the caller then drops what it fetched,
  // which a download still writing would otherwise leave behind (a flaky registry test saw that).
  const results = await Promise.allSettled(Array.from({ length: Math.min(PARALLEL_LAYERS, queue.length) }, worker));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  const name = repositoryName(ref);
  const tagged = taggedName(ref);
  return {
    manifestDigest: current.digest,
    config: manifest.config,
    layers: manifest.layers,
    repoTags: tagged ? [tagged] : [],
    repoDigests: [`${name}@${top.digest}`],
  };
}
