/** The tcpSocket probe: passes when a TCP connection to the pod IP (or host) and port opens in time. */
import net from 'node:net';

/** ProbeOutcome is one probe run: passed or not, and why not. */
export interface ProbeOutcome {
  ok: boolean;
  message: string;
}

/** tcpProbe opens and closes one connection. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (o: ProbeOutcome) => {
      clearTimeout(timer);
      s.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => done({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` }), timeoutMs);
    s.once('connect', () => done({ ok: true, message: '' }));
    s.once('error', (e) => done({ ok: false, message: `dial tcp ${host}:${port}: ${e.message}` }));
  });
}
