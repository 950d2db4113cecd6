/**
 * The local lab's ports, and who holds a port: the lab listens on 127.0.0.1 only, on one block of
 * consecutive ports from a base port. Listening sockets and their processes are read from
 * `/proc/net/tcp{,6}` and `/proc/<pid>/fd`, which name the process holding a port without any tool.
 */
import { readdirSync, readFileSync, readlinkSync } from 'fs';
import { createServer } from 'net';
import { commandLine } from './pids';

/** The lab's services, in start order; each listens on base port + its index. */
export const LAB_SERVICES = ['mlflow', 'feast', 'oidc', 'moto', 'postgres', 'redis', 'mlflow-pod'] as const;
export type LabService = (typeof LAB_SERVICES)[number];

/** What each service is, for tables and messages. */
export const SERVICE_TITLES: Readonly<Record<LabService, string>> = {
  mlflow: 'MLflow (load balancer)',
  feast: 'Feast feature server',
  oidc: 'OpenID provider (Cognito stand-in)',
  moto: 'moto (S3, Secrets Manager)',
  postgres: 'PostgreSQL',
  redis: 'Redis (Feast online store)',
  'mlflow-pod': 'MLflow server (pod)',
};

/** The default base port: MLflow on 7100, Feast on 7101, ... */
export const DEFAULT_BASE_PORT = 7100;

/** The port of every service for `base`. */
export function labPorts(base: number): Record<LabService, number> {
  if (!Number.isInteger(base) || base < 1024 || base + LAB_SERVICES.length - 1 > 65535) {
    throw new RangeError(
      `base port ${base} must be a whole number from 1024 to ${65535 - LAB_SERVICES.length + 1}`,
    );
  }
  return Object.fromEntries(LAB_SERVICES.map((s, i) => [s, base + i])) as Record<LabService, number>;
}

/** One socket of `/proc/net/tcp` or `/proc/net/tcp6`. */
export interface TcpSocket {
  /** Local address: dotted IPv4, or the IPv6 address as the kernel writes it (hex). */
  readonly address: string;
  readonly port: number;
  /** True when it listens (state 0A). */
  readonly listening: boolean;
  readonly inode: number;
}

/** Parse the text of `/proc/net/tcp` (IPv4) or `/proc/net/tcp6`. Pure. */
export function parseProcNetTcp(text: string): TcpSocket[] {
  const out: TcpSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [addrHex, portHex] = f[1].split(':');
    out.push({
      address: addrHex.length === 8 ? ipv4FromHex(addrHex) : ipv6FromHex(addrHex),
      port: parseInt(portHex, 16),
      listening: f[3] === '0A',
      inode: Number(f[9]),
    });
  }
  return out;
}

/** `0100007F` -> `127.0.0.1` (the kernel writes the 32-bit word in host byte order, little-endian). */
function ipv4FromHex(hex: string): string {
  return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}

/** The kernel's IPv6 hex (four little-endian 32-bit words) as a compact address; `::ffff:a.b.c.d` kept. */
function ipv6FromHex(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (const i of [6, 4, 2, 0]) bytes.push(parseInt(word.slice(i, i + 2), 16));
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** True for an address only this machine can reach (127.0.0.0/8, ::1, ::ffff:127.x). */
export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address);
}

/** Every listening TCP socket of this machine (IPv4 and IPv6). */
export function listeningSockets(): TcpSocket[] {
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((f) => {
    try {
      return parseProcNetTcp(readFileSync(f, 'utf8')).filter((s) => s.listening);
    } catch {
      return [];
    }
  });
}

/** The socket inodes process `pid` holds open. */
export function socketInodes(pid: number): Set<number> {
  const inodes = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** Every process id on the machine (that this user may see). */
export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** A process holding a port. */
export interface PortOwner {
  readonly pid: number;
  readonly command: string;
}

/** Who listens on TCP `port` (any address), when that can be known. */
export function portOwner(port: number): PortOwner | undefined {
  const inodes = new Set(
    listeningSockets()
      .filter((s) => s.port === port)
      .map((s) => s.inode),
  );
  if (inodes.size === 0) return undefined;
  for (const pid of allPids()) {
    for (const inode of socketInodes(pid)) {
      if (inodes.has(inode)) return { pid, command: commandLine(pid) ?? '?' };
    }
  }
  return undefined;
}

/** True when this process can listen on 127.0.0.1:`port` now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** The message for a taken port. Pure. */
export function portTakenMessage(
  port: number,
  service: LabService,
  owner: PortOwner | undefined,
  base: number,
): string {
  const who = owner
    ? `process ${owner.pid} (${shorten(owner.command)}) listens on it`
    : 'another process listens on it (its owner cannot be seen: another user, or a container)';
  return (
    `Port ${port} (for ${SERVICE_TITLES[service]}) on 127.0.0.1 is taken: ${who}. ` +
    `Stop that process, or start the lab on other ports: cohort-lab local up --base-port ${base + 100} ` +
    `(uses ${base + 100}-${base + 100 + LAB_SERVICES.length - 1}).`
  );
}

function shorten(command: string): string {
  return command.length > 120 ? `${command.slice(0, 117)}...` : command;
}
