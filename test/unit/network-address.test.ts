import { describe, expect, it } from 'vitest';
import { checkOutboundUrl, classifyHost, parseIpv6, type TargetPolicy } from '../../src/domain/network-address';

const production: TargetPolicy = { allowLocalhostHttp: false, blockedOrigins: [] };
const development: TargetPolicy = { allowLocalhostHttp: true, blockedOrigins: [] };
const refusal = (url: string, policy = production) => {
  const verdict = checkOutboundUrl(url, policy);
  return verdict.ok ? null : verdict.reason;
};

describe('outbound URL check: every notation of a non-public address is refused', () => {
  // Each row: the URL as an operator might type it, and why it must not be called.
  const refused: [string, string][] = [
    ['https://169.254.169.254/latest/meta-data/', 'link-local'],
    ['https://10.0.0.1/', 'private'],
    ['https://10.255.255.255/', 'private'],
    ['https://172.16.0.1/', 'private'],
    ['https://172.31.255.254/', 'private'],
    ['https://192.168.1.1/', 'private'],
    ['https://127.0.0.1/', 'loopback'],
    ['https://127.255.0.9:8443/', 'loopback'],
    // Decimal, octal, hex and short IPv4 notations: WHATWG URL turns them into 127.0.0.1 before we look.
    ['https://2130706433/', 'loopback'],
    ['https://017700000001/', 'loopback'],
    ['https://0x7f000001/', 'loopback'],
    ['https://0x7f.1/', 'loopback'],
    ['https://0177.0.0.1/', 'loopback'],
    ['https://127.1/', 'loopback'],
    ['https://127.0.0.1./', 'loopback'],
    ['https://%31%32%37.0.0.1/', 'loopback'],
    ['https://0xa9.0xfe.0xa9.0xfe/', 'link-local'],
    ['https://2852039166/', 'link-local'],
    ['https://0.0.0.0/', 'unspecified'],
    ['https://0/', 'unspecified'],
    ['https://100.64.0.1/', 'shared'],
    ['https://100.100.100.200/', 'shared'],
    ['https://224.0.0.1/', 'multicast'],
    ['https://239.255.255.250/', 'multicast'],
    ['https://255.255.255.255/', 'broadcast'],
    ['https://240.0.0.1/', 'reserved'],
    ['https://192.0.2.10/', 'reserved'],
    ['https://198.18.0.1/', 'reserved'],
    // IPv6 literals and IPv4 addresses dressed as IPv6.
    ['https://[::1]/', 'loopback'],
    ['https://[0:0:0:0:0:0:0:1]/', 'loopback'],
    ['https://[::]/', 'unspecified'],
    ['https://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://[::ffff:7f00:1]/', 'loopback'],
    ['https://[::ffff:169.254.169.254]/', 'link-local'],
    ['https://[::ffff:a00:1]/', 'private'],
    ['https://[::127.0.0.1]/', 'loopback'],
    ['https://[::10.0.0.1]/', 'private'],
    ['https://[64:ff9b::a9fe:a9fe]/', 'link-local'],
    ['https://[2002:a00:1::]/', 'private'],
    ['https://[fe80::1]/', 'link-local'],
    ['https://[febf::1]/', 'link-local'],
    ['https://[fc00::1]/', 'private'],
    ['https://[fd00:ec2::254]/', 'private'],
    ['https://[fec0::1]/', 'private'],
    ['https://[ff02::1]/', 'multicast'],
    ['https://[2001:db8::1]/', 'reserved'],
    ['https://[::8.8.8.8]/', 'reserved'],
    // Names.
    ['https://localhost/', 'loopback'],
    ['https://LOCALHOST./', 'loopback'],
    ['https://api.localhost/', 'loopback'],
    ['https://metadata.google.internal/computeMetadata/v1/', 'metadata'],
    ['https://metadata/', 'metadata'],
    ['https://metadata.goog/', 'metadata'],
    ['https://instance-data.ec2.internal/', 'metadata'],
    ['https://kubo.internal:5001/', 'local-name'],
    ['https://printer.local/', 'local-name'],
    ['https://router/', 'local-name'],
    // Scheme and credentials.
    ['http://hooks.example.com/x', 'not-https'],
    ['ftp://hooks.example.com/x', 'not-https'],
    ['https://user:pass@hooks.example.com/x', 'credentials'],
    ['not a url', 'invalid'],
  ];
  for (const [url, reason] of refused) {
    it(`refuses ${url} (${reason})`, () => {
      expect(refusal(url)).toBe(reason);
    });
  }

  it('accepts public https hosts and public IP literals', () => {
    for (const url of [
      'https://hooks.example.com/vibestream',
      'https://hooks.slack.com/services/T000/B000/XXX',
      'https://8.8.8.8/',
      'https://172.32.0.1/',
      'https://100.128.0.1/',
      'https://[2606:4700:4700::1111]/',
      'https://[::ffff:8.8.8.8]/',
      'https://0x08.8.8.8/',
      'https://1.1.1.1:8443/hook',
    ]) {
      expect(refusal(url), url).toBeNull();
    }
  });

  it('allows plain http to localhost and 127.0.0.1 only where the policy allows it (development)', () => {
    expect(refusal('http://127.0.0.1:9/alert-hook', development)).toBeNull();
    expect(refusal('http://localhost:8787/hook', development)).toBeNull();
    expect(refusal('http://127.0.0.1:9/alert-hook')).toBe('not-https');
    expect(refusal('https://localhost/hook')).toBe('loopback');
    // The allowance is for this machine by name, not for the private network.
    expect(refusal('http://10.0.0.1/', development)).toBe('not-https');
    expect(refusal('https://10.0.0.1/', development)).toBe('private');
    expect(refusal('http://2130706433/', development)).toBeNull(); // that is 127.0.0.1, which development allows
  });

  it('refuses the configured IPFS node API by host and port, even where localhost is allowed', () => {
    const policy: TargetPolicy = { allowLocalhostHttp: true, blockedOrigins: ['http://127.0.0.1:5001', 'https://kubo.example.net'] };
    expect(refusal('http://127.0.0.1:5001/api/v0/pin/rm?arg=x', policy)).toBe('ipfs-rpc');
    expect(refusal('http://2130706433:5001/api/v0/shutdown', policy)).toBe('ipfs-rpc');
    expect(refusal('http://localhost:5001/api/v0/shutdown', policy)).toBe('ipfs-rpc');
    expect(refusal('http://[::1]:5001/api/v0/shutdown', { ...policy, allowLocalhostHttp: false })).toBe('ipfs-rpc');
    expect(refusal('https://kubo.example.net/api/v0/id', policy)).toBe('ipfs-rpc');
    expect(refusal('https://kubo.example.net:443/api/v0/id', policy)).toBe('ipfs-rpc');
    expect(refusal('http://127.0.0.1:5002/hook', policy)).toBeNull();
    expect(refusal('https://kubo.example.net:8443/hook', policy)).toBeNull();
  });
});

describe('host classification and IPv6 parsing', () => {
  it('parses compressed, full and IPv4-tailed IPv6 literals', () => {
    expect(parseIpv6('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIpv6('::ffff:127.0.0.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIpv6('1:2:3:4:5:6:10.0.0.1')).toEqual([1, 2, 3, 4, 5, 6, 0x0a00, 1]);
    expect(parseIpv6('fe80::')).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIpv6('1::2::3')).toBeNull();
    expect(parseIpv6('1:2:3:4:5:6:7:8:9')).toBeNull();
    expect(parseIpv6('fe80::1%eth0')).toBeNull();
    expect(parseIpv6('::ffff:300.0.0.1')).toBeNull();
  });

  it('classifies hosts as URL.hostname gives them', () => {
    expect(classifyHost('[::ffff:7f00:1]')).toBe('loopback');
    expect(classifyHost('169.254.169.254')).toBe('link-local');
    expect(classifyHost('example.com')).toBeNull();
    expect(classifyHost('1.2.3')).toBe('invalid');
    expect(classifyHost('[not-v6]')).toBe('invalid');
  });
});
