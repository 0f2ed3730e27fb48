// SPEC §8 notify: webhooks never reach loopback, private, link-local, CGNAT, unique-local or metadata addresses.
import { describe, expect, it } from 'vitest';
import { addressPolicy, classifyAddress } from '../../src/consumers/notify/addresses.js';

describe('classifying an address a webhook would connect to', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['169.254.10.10', 'link_local'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['fd12:3456::1', 'unique_local'],
    ['fc00::1', 'unique_local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['64:ff9b::10.0.0.1', 'private'],
  ])('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(classifyAddress(address)).toBe('public');
  });

  it('calls a host name invalid: names are judged by what they resolve to', () => {
    expect(classifyAddress('localhost')).toBe('invalid');
  });
});

describe('the webhook address policy', () => {
  it('allows only public addresses by default', () => {
    const permits = addressPolicy(false);
    expect(['8.8.8.8', '127.0.0.1', '10.0.0.1', '169.254.169.254', '::1'].map(permits)).toEqual([true, false, false, false, false]);
  });

  it('allows private and loopback addresses with WEBHOOK_ALLOW_PRIVATE', () => {
    const permits = addressPolicy(true);
    expect(['8.8.8.8', '127.0.0.1', '10.0.0.1', 'not-an-address'].map(permits)).toEqual([true, true, true, false]);
  });
});
