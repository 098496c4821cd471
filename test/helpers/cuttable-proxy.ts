/**
 * CuttableProxy forwards TCP to a server and fails the link on demand: cut() drops every connection
 * and refuses new ones until up(); freeze() stops moving bytes without closing anything (a link cut
 * silently). `accepted` counts the connections clients opened through it.
 */
import * as net from 'node:net';

/** CuttableProxy forwards TCP to `target`; see the file comment. */
export class CuttableProxy {
  private readonly server = net.createServer((s) => this.accept(s));
  private readonly sockets = new Set<net.Socket>();
  private readonly frozen = new Set<net.Socket>();
  private down = false;
  accepted = 0;
  constructor(private target: { host: string; port: number }) {}

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `https://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  private accept(s: net.Socket): void {
    if (this.down) {
      s.destroy();
      return;
    }
    this.accepted++;
    const up = net.connect(this.target.port, this.target.host);
    for (const x of [s, up]) {
      this.sockets.add(x);
      x.on('close', () => this.sockets.delete(x));
      x.on('error', () => undefined);
    }
    s.pipe(up).pipe(s);
    s.on('close', () => up.destroy());
    up.on('close', () => s.destroy());
  }

  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
  }

  up(): void {
    this.down = false;
  }

  /** freeze stops moving bytes on the open connections without closing them: a silently cut link. */
  freeze(): void {
    for (const s of this.sockets) {
      s.unpipe();
      s.pause();
      this.frozen.add(s);
    }
    this.sockets.clear();
  }

  /** drop resets the frozen connections (a dead link noticed late) and keeps accepting new ones. */
  drop(): void {
    for (const s of this.frozen) s.destroy();
    this.frozen.clear();
  }

  retarget(target: { host: string; port: number }): void {
    this.target = target;
  }

  async close(): Promise<void> {
    this.cut();
    for (const s of this.frozen) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

