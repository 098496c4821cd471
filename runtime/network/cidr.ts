/**
 * cidr.ts: pure IPv4 CIDR arithmetic for the pod network: parsing "10.244.1.0/24", the
 * gateway (first host address, the bridge's), and the range IPAM may hand out to pods.
 */

/** Cidr is a parsed IPv4 network: base address (as an unsigned int), prefix length, and its text. */
export interface Cidr {
  network: number;
  prefix: number;
  text: string;
}

/** CidrError says which CIDR or address is malformed and why. */
export class CidrError extends Error {
  readonly code = 'FLT_ERR_NET_CIDR';
  constructor(message: string) {
    super(message);
    this.name = 'CidrError';
  }
}

/** ipToInt turns dotted-quad text into an unsigned 32-bit number, throwing CidrError on bad input. */
export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new CidrError(`"${ip}" is not an IPv4 address`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new CidrError(`"${ip}" is not an IPv4 address`);
    n = n * 256 + Number(p);
  }
  return n;
}

/** intToIp turns an unsigned 32-bit number back into dotted-quad text. */
export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** parseCidr reads "a.b.c.d/len"; host bits are cleared, prefixes outside 8..30 are refused. */
export function parseCidr(text: string): Cidr {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) throw new CidrError(`pod CIDR "${text}" is not of the form a.b.c.d/len`);
  const prefix = Number(m[2]);
  if (prefix < 8 || prefix > 30) throw new CidrError(`pod CIDR "${text}": prefix length must be between 8 and 30`);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (ipToInt(m[1]!) & mask) >>> 0;
  return { network, prefix, text: `${intToIp(network)}/${prefix}` };
}

/** cidrSize is the number of addresses in the network, network and broadcast included. */
export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** gatewayOf is the first host address of the network: the bridge's address and the pods' default route. */
export function gatewayOf(c: Cidr): string {
  return intToIp(c.network + 1);
}

/** broadcastOf is the last address of the network. */
export function broadcastOf(c: Cidr): string {
  return intToIp(c.network + cidrSize(c) - 1);
}

/** podRange is the first and last address IPAM may give a pod: after the gateway, before broadcast. */
export function podRange(c: Cidr): { first: number; last: number } {
  return { first: c.network + 2, last: c.network + cidrSize(c) - 2 };
}

/** cidrContains says whether an address lies inside the network. */
export function cidrContains(c: Cidr, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= c.network && n < c.network + cidrSize(c);
}

/** nextFree picks the first address after `after` (wrapping) in the pod range not in `taken`, or null when full. */
export function nextFree(c: Cidr, taken: ReadonlySet<string>, after?: string): string | null {
  const { first, last } = podRange(c);
  const count = last - first + 1;
  let start = first;
  if (after !== undefined && cidrContains(c, after)) {
    const a = ipToInt(after);
    if (a >= first && a < last) start = a + 1;
  }
  for (let i = 0; i < count; i++) {
    const candidate = intToIp(first + ((start - first + i) % count));
    if (!taken.has(candidate)) return candidate;
  }
  return null;
}
