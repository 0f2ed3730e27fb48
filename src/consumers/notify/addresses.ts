// Which network addresses a webhook may reach. Everything that is not a public unicast address is
// refused (unless WEBHOOK_ALLOW_PRIVATE): a tenant's webhook URL must not become a way into our
// own network, the host itself or a cloud metadata service.
import { BlockList, isIP } from 'node:net';

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

// Checked in this order: the first range that holds an address names its class.
const RANGES: ReadonlyArray<[Exclude<AddressClass, 'public' | 'invalid'>, 'ipv4' | 'ipv6', string, number]> = [
  ['metadata', 'ipv4', '169.254.169.254', 32], // AWS, GCP, Azure, OpenStack
  ['metadata', 'ipv4', '100.100.100.200', 32], // Alibaba Cloud
  ['metadata', 'ipv6', 'fd00:ec2::254', 128], // AWS over IPv6
  ['unspecified', 'ipv4', '0.0.0.0', 8],
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['private', 'ipv4', '10.0.0.0', 8],
  ['private', 'ipv4', '172.16.0.0', 12],
  ['private', 'ipv4', '192.168.0.0', 16],
  ['cgnat', 'ipv4', '100.64.0.0', 10],
  ['link_local', 'ipv4', '169.254.0.0', 16],
  ['reserved', 'ipv4', '192.0.0.0', 24], // IETF protocol assignments
  ['reserved', 'ipv4', '192.0.2.0', 24], // documentation
  ['reserved', 'ipv4', '198.18.0.0', 15], // benchmarking
  ['reserved', 'ipv4', '198.51.100.0', 24],
  ['reserved', 'ipv4', '203.0.113.0', 24],
  ['multicast', 'ipv4', '224.0.0.0', 4],
  ['reserved', 'ipv4', '240.0.0.0', 4], // and the broadcast address
  ['unspecified', 'ipv6', '::', 128],
  ['loopback', 'ipv6', '::1', 128],
  ['unique_local', 'ipv6', 'fc00::', 7],
  ['link_local', 'ipv6', 'fe80::', 10],
  ['multicast', 'ipv6', 'ff00::', 8],
  ['reserved', 'ipv6', '100::', 64], // discard
  ['reserved', 'ipv6', '2001:db8::', 32], // documentation
];

const LISTS = RANGES.map(([cls, type, net, prefix]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, type);
  return { cls, type, list };
});

/** IPv6 forms that carry an IPv4 address (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96) are judged by it. */
function embeddedIpv4(address: string): string | undefined {
  const match = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (!match) return undefined;
  if (match[1]) return match[1];
  const hi = parseInt(match[2]!, 16);
  const lo = parseInt(match[3]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const version = isIP(bare);
  if (version === 0) return 'invalid';
  if (version === 6) {
    const v4 = embeddedIpv4(bare);
    if (v4 !== undefined) return classifyAddress(v4);
  }
  const type = version === 4 ? 'ipv4' : 'ipv6';
  return LISTS.find((r) => r.type === type && r.list.check(bare, type))?.cls ?? 'public';
}

/** Decides whether a webhook may connect to an address. */
export type AddressPolicy = (address: string) => boolean;

export function addressPolicy(allowPrivate: boolean): AddressPolicy {
  return allowPrivate ? (address) => classifyAddress(address) !== 'invalid' : (address) => classifyAddress(address) === 'public';
}
