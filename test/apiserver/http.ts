import { Agent, request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { ControlPlane } from '../helpers/control-plane.js';

/** Reply is one HTTP answer: code, headers, text and (when JSON) the parsed body. */
export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  body: any;
}

/** HttpApi talks HTTPS to a control plane as an outside client would, trusting only its CA. */
export interface HttpApi {
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  watch(path: string, headers?: Record<string, string>): Promise<WatchStream>;
  close(): void;
}

/** WatchStream reads newline-delimited JSON watch events. */
export interface WatchStream {
  status: number;
  /** next resolves with the next event, or rejects after timeoutMs naming what was awaited. */
  next(timeoutMs?: number, what?: string): Promise<any>;
  /** ended resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** httpApi makes a client for cp; `token` overrides the admin token (null sends none). */
export function httpApi(cp: Pick<ControlPlane, 'url' | 'token' | 'caPem'>, token: string | null = cp.token): HttpApi {
  const agent = new Agent({ ca: cp.caPem, keepAlive: true });
  const auth = (): Record<string, string> => (token === null ? {} : { Authorization: `Bearer ${token}` });
  return {
    call(method, path, body, headers = {}) {
      return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
        const req = request(cp.url + path, {
          method, agent,
          headers: { ...auth(), ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}), ...headers },
        }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try { parsed = JSON.parse(text); } catch { parsed = undefined; }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
          });
        });
        req.on('error', reject);
        req.setTimeout(30000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
        if (payload !== undefined) req.write(payload);
        req.end();
      });
    },
    watch(path, headers = {}) {
      return new Promise((resolve, reject) => {
        const req = request(cp.url + path, { method: 'GET', agent: new Agent({ ca: cp.caPem }), headers: { ...auth(), ...headers } }, (res) => {
          const queue: any[] = [];
          const waiters: ((v: any) => void)[] = [];
          let buf = '';
          let endResolve!: () => void;
          const ended = new Promise<void>((r) => (endResolve = r));
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (!line.trim()) continue;
              const ev = JSON.parse(line);
              const w = waiters.shift();
              if (w) w(ev);
              else queue.push(ev);
            }
          });
          res.on('end', () => endResolve());
          res.on('close', () => endResolve());
          resolve({
            status: res.statusCode ?? 0,
            ended,
            next(timeoutMs = 10000, what = 'a watch event') {
              if (queue.length) return Promise.resolve(queue.shift());
              return new Promise((res2, rej2) => {
                const t = setTimeout(() => {
                  const i = waiters.indexOf(done);
                  if (i >= 0) waiters.splice(i, 1);
                  rej2(new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${path}`));
                }, timeoutMs);
                const done = (v: any): void => { clearTimeout(t); res2(v); };
                waiters.push(done);
              });
            },
            close() { req.destroy(); },
          });
        });
        req.on('error', (err) => reject(err));
        req.end();
      });
    },
    close() { agent.destroy(); },
  };
}

/** podManifest is a minimal valid pod with optional labels and spec overrides. */
export function podManifest(name: string, extra: { labels?: Record<string, string>; namespace?: string; spec?: Record<string, unknown> } = {}): any {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, ...(extra.namespace ? { namespace: extra.namespace } : {}), ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: { containers: [{ name: 'main', image: 'busybox:1.36' }], ...(extra.spec ?? {}) },
  };
}
