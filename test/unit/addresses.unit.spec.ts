// SPEC §11 webhooks and SSRF: a webhook reaches public unicast addresses only; IPv6 forms that carry an
// IPv4 address are judged by that address, at registration and again at delivery.
import { describe, expect, it } from 'vitest';
import { addressPolicy, classifyAddress } from '../../src/consumers/notify/addresses.js';
import { WebhookRefusedError, createWebhookClient } from '../../src/consumers/notify/webhookClient.js';

describe('classifying an IPv4 address', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.10.10', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'], // broadcast
    ['240.0.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'], // IETF protocol assignments
    ['192.0.2.10', 'reserved'], // documentation
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['198.18.0.1', 'reserved'], // benchmarking
    ['198.19.255.254', 'reserved'],
    ['192.88.99.1', 'reserved'], // 6to4 relay anycast
  ])('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '192.88.100.1', '198.20.0.1'])('%s is public', (address) => {
    expect(classifyAddress(address)).toBe('public');
  });
});

describe('classifying an IPv6 address', () => {
  it.each([
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['fd12:3456::1', 'unique_local'],
    ['fc00::1', 'unique_local'],
    ['fd00:ec2::254', 'metadata'],
    ['fd00:0ec2:0:0:0:0:0:0254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'], // documentation
    ['100::1', 'reserved'], // discard
    ['fec0::1', 'reserved'], // site-local, deprecated
  ])('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it.each(['2606:4700:4700::1111', '2a00:1450:4001:82a::200e'])('%s is public', (address) => {
    expect(classifyAddress(address)).toBe('public');
  });
});

describe('an IPv6 address that embeds an IPv4 address is judged by the IPv4 address', () => {
  it.each([
    // IPv4-mapped ::ffff:a.b.c.d
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    // IPv4-compatible ::a.b.c.d
    ['::127.0.0.1', 'loopback'],
    ['::7f00:1', 'loopback'],
    ['::10.0.0.1', 'private'],
    ['::8.8.8.8', 'public'],
    // IPv4-translated ::ffff:0:a.b.c.d
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['::ffff:0:a00:1', 'private'],
    ['::ffff:0:8.8.8.8', 'public'],
    // NAT64, well-known prefix 64:ff9b::/96
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::8.8.8.8', 'public'],
    // NAT64, local-use prefix 64:ff9b:1::/48; where the IPv4 address sits cannot be told, refused
    ['64:ff9b:1::10.0.0.1', 'private'],
    ['64:ff9b:1::8.8.8.8', 'public'],
    ['64:ff9b:1:7f00:1::', 'reserved'],
    // 6to4 2002:AABB:CCDD::/48
    ['2002:7f00:1::', 'loopback'],
    ['2002:a00:1::1', 'private'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['2002:808:808::1', 'public'],
    // Teredo 2001:0:server:flags:port:client, the client address inverted
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback'], // client 127.0.0.1
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private'], // client 10.0.0.1
    ['2001:0:a00:1:8000:63bf:f7f7:f7f7', 'private'], // server 10.0.0.1
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'public'], // client 8.8.8.8, server 65.54.227.120
  ])('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });
});

describe('what is not an IP address', () => {
  it.each(['localhost', 'example.com', '', '2130706433', '0x7f.0.0.1', '127.000.0.1', '1.2.3', '::ffff:0177.0.0.1'])(
    '%j is invalid: names are judged by what they resolve to',
    (address) => {
      expect(classifyAddress(address)).toBe('invalid');
    },
  );
});

describe('the reported gaps', () => {
  it.each([
    ['http://[::ffff:0:127.0.0.1]/', 'loopback'],
    ['http://[::127.0.0.1]/', 'loopback'],
    ['http://[2002:7f00:1::]/', 'loopback'],
    ['http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', 'loopback'],
    ['http://192.88.99.1/', 'reserved'],
  ])('%s, as its URL names it, is %s', (url, cls) => {
    expect(classifyAddress(new URL(url).hostname)).toBe(cls);
  });
});

describe('the webhook address policy', () => {
  it('allows only public addresses by default', () => {
    const permits = addressPolicy(false);
    expect(['8.8.8.8', '127.0.0.1', '10.0.0.1', '169.254.169.254', '::1', '::ffff:0:127.0.0.1', '::127.0.0.1', '2002:7f00:1::'].map(permits)).toEqual([
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('allows private and loopback addresses with WEBHOOK_ALLOW_PRIVATE, never what is not an address', () => {
    const permits = addressPolicy(true);
    expect(['8.8.8.8', '127.0.0.1', '10.0.0.1', '::ffff:0:127.0.0.1', 'not-an-address'].map(permits)).toEqual([true, true, true, true, false]);
  });
});

describe('delivery checks the address it would connect to', () => {
  it.each(['http://[::ffff:0:127.0.0.1]/', 'http://[::127.0.0.1]/', 'http://[2002:7f00:1::]/', 'http://[64:ff9b::a00:1]/'])(
    'refuses to post to %s',
    async (url) => {
      const client = createWebhookClient({ timeoutMs: 1000, permits: addressPolicy(false) });
      await expect(client.post(url, '{}', {})).rejects.toThrow(WebhookRefusedError);
    },
  );

  it.each(['::ffff:0:7f00:1', '::7f00:1', '2002:7f00:1::', '2001:0:4136:e378:8000:63bf:80ff:fffe'])('refuses a name that resolves to %s', async (address) => {
    const client = createWebhookClient({ timeoutMs: 1000, permits: addressPolicy(false), resolve: async () => [{ address, family: 6 }] });
    await expect(client.post('http://hook.example/x', '{}', {})).rejects.toThrow(/loopback/);
  });
});
