// Which network addresses a webhook may reach (SSRF policy, SPEC §11): public unicast only, ranges from ipaddr.js.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type AddressClass =
  | 'public'
  | 'metadata'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'cgnat'
  | 'unique_local'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'invalid';

// AWS, GCP, Azure and OpenStack; Alibaba Cloud; AWS over IPv6. Link-local or private anyway, named
// apart so that a refusal says what was at stake.
const METADATA = new Set(['169.254.169.254', '100.100.100.200', 'fd00:ec2::254'].map((a) => ipaddr.parse(a).toNormalizedString()));

// ipaddr.js range names that have a class of their own; every other non-unicast range (broadcast,
// documentation, benchmarking, 192.88.99.0/24, 240.0.0.0/4, discard, ORCHID, ...) is 'reserved'.
const NAMED: Record<string, AddressClass> = {
  unicast: 'public',
  unspecified: 'unspecified',
  loopback: 'loopback',
  private: 'private',
  linkLocal: 'link_local',
  carrierGradeNat: 'cgnat',
  uniqueLocal: 'unique_local',
  multicast: 'multicast',
};

function classifyIpv4(v4: ipaddr.IPv4): AddressClass {
  if (METADATA.has(v4.toNormalizedString())) return 'metadata';
  return NAMED[v4.range()] ?? 'reserved';
}

const ipv4At = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);

/**
 * The IPv4 addresses an IPv6 address reaches through a translator or tunnel, which judge it;
 * undefined when it embeds none, [] when it should but they cannot be told.
 */
function embeddedIpv4(v6: ipaddr.IPv6, range: string): ipaddr.IPv4[] | undefined {
  const p = v6.parts;
  switch (range) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d, IPv4-translated
      return [ipv4At(p[6]!, p[7]!)];
    case 'rfc6052': // NAT64 64:ff9b::/96, and 64:ff9b:1::/48 where only the /96 layout (bits 48-95 zero) is unambiguous
      return p[3] === 0 && p[4] === 0 && p[5] === 0 ? [ipv4At(p[6]!, p[7]!)] : [];
    case '6to4': // 2002:AABB:CCDD::/48
      return [ipv4At(p[1]!, p[2]!)];
    case 'teredo': // 2001:0:server:flags:port:client, the client address inverted
      return [ipv4At(p[2]!, p[3]!), ipv4At(p[6]! ^ 0xffff, p[7]! ^ 0xffff)];
    case 'unicast': // IPv4-compatible ::a.b.c.d (:: and ::1 have ranges of their own)
      return p.slice(0, 6).every((x) => x === 0) ? [ipv4At(p[6]!, p[7]!)] : undefined;
    default:
      return undefined;
  }
}

function classifyIpv6(v6: ipaddr.IPv6): AddressClass {
  if (METADATA.has(v6.toNormalizedString())) return 'metadata';
  const range = v6.range();
  const embedded = embeddedIpv4(v6, range);
  if (embedded === undefined) return NAMED[range] ?? 'reserved';
  if (embedded.length === 0) return 'reserved';
  return embedded.map(classifyIpv4).find((cls) => cls !== 'public') ?? 'public';
}

/** The class of an IP address (brackets and a zone allowed); 'invalid' for anything else, host names included. */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  // node:net's parser, the one connect() uses: ipaddr.js would also read "2130706433" or "0x7f.1".
  const version = isIP(bare);
  if (version === 4) return classifyIpv4(ipaddr.IPv4.parse(bare));
  if (version === 6) return classifyIpv6(ipaddr.IPv6.parse(bare));
  return 'invalid';
}

/** Decides whether a webhook may connect to an address. */
export type AddressPolicy = (address: string) => boolean;

export function addressPolicy(allowPrivate: boolean): AddressPolicy {
  return allowPrivate ? (address) => classifyAddress(address) !== 'invalid' : (address) => classifyAddress(address) === 'public';
}
