/** The httpGet probe: passes on a 2xx or 3xx answer from the pod IP (or host) within the timeout. */
import http from 'node:http';
import https from 'node:https';
import type { HTTPGetAction } from '../../api/types.js';
import type { ProbeOutcome } from './tcp-socket.js';

/** httpProbe sends one GET, as the kubelet does (User-Agent kube-probe, redirects not followed). */
export function httpProbe(host: string, port: number, action: Readonly<HTTPGetAction>, timeoutMs: number): Promise<ProbeOutcome> {
  const mod = action.scheme === 'HTTPS' ? https : http;
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/flotilla', Accept: '*/*' };
  for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
  const pathPart = action.path ? (action.path.startsWith('/') ? action.path : `/${action.path}`) : '/';
  const url = `${host}:${port}${pathPart}`;
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(o);
    };
    const req = mod.request({ host, port, path: pathPart, method: 'GET', headers, agent: false, rejectUnauthorized: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      done(code >= 200 && code < 400 ? { ok: true, message: '' } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` });
    });
    const timer = setTimeout(() => done({ ok: false, message: `Get "${url}": context deadline exceeded` }), timeoutMs);
    req.once('error', (e) => done({ ok: false, message: `Get "${url}": ${e.message}` }));
    req.end();
  });
}
