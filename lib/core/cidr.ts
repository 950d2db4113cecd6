/**
 * IPv4 CIDR rules. Pure functions only: the config rules use them for messages, the cluster
 * construct re-checks with them, the NetworkPolicies use the private ranges.
 */

/** The CIDR block that means "the whole IPv4 internet". */
export const WORLD_CIDR = '0.0.0.0/0';

/**
 * A CIDR block with a shorter prefix than this counts as "open to the world": listing it needs the
 * same explicit opt-in as 0.0.0.0/0 (two /1 blocks are the whole internet too).
 */
export const WORLD_SCALE_PREFIX = 8;

/** EKS accepts at most this many public access CIDR blocks per cluster. */
export const MAX_PUBLIC_ACCESS_CIDRS = 40;

/**
 * MLflow's Ingress admits at most this many CIDR blocks (`mlflow.allowedCidrs`). The load balancer
 * controller opens each listed block on each listener port (80 and 443) in the load balancer's
 * security group, and a security group holds 60 inbound rules by default (Amazon VPC User Guide,
 * "Amazon VPC quotas": inbound rules per security group).
 */
export const MAX_MLFLOW_ALLOWED_CIDRS = 30;

/** The RFC 1918 private ranges: "the internet" in a NetworkPolicy is the world minus these. */
export const PRIVATE_IPV4_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/** A parsed IPv4 CIDR block. */
export interface Ipv4Cidr {
  /** The address as written, as a 32-bit unsigned number. */
  readonly address: number;
  /** Prefix length, 0 to 32. */
  readonly prefix: number;
  /** The network address (host bits cleared) in CIDR notation. */
  readonly network: string;
}

// Octets 0-255 and prefixes 0-32 without leading zeros, as EKS and zod's cidrv4 accept them.
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const CIDR_PATTERN = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}\\/(3[0-2]|[12]?\\d)$`);

/** Parse `a.b.c.d/n`; undefined when it is not an IPv4 CIDR block. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const m = CIDR_PATTERN.exec(text);
  if (m === null) {
    return undefined;
  }
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const networkNumber = Math.floor(address / size) * size;
  return { address, prefix, network: `${formatIpv4(networkNumber)}/${prefix}` };
}

/** Why `cidr` is not a usable public access CIDR block (ignoring the world rule), or undefined. */
export function cidrProblem(cidr: string): string | undefined {
  const parsed = parseIpv4Cidr(cidr);
  if (parsed === undefined) {
    return 'must be an IPv4 CIDR block such as 203.0.113.0/24';
  }
  if (parsed.network !== cidr) {
    return `has host bits set; write the network address ${parsed.network}`;
  }
  return undefined;
}

/** True when `cidr` opens the endpoint to the world (0.0.0.0/0 or anything broader than a /8). */
export function isWorldScale(cidr: string): boolean {
  const parsed = parseIpv4Cidr(cidr);
  return parsed !== undefined && parsed.prefix < WORLD_SCALE_PREFIX;
}

function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
