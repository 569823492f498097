import { describe, expect, it } from 'vitest';
import { NginxLogTally, summarizeNginx } from './nginx-collector.ts';
import { parseNginxUpstreamLine, splitTimestampedLog, timestampKey } from './nginx-log.ts';

describe('nginx upstream log lines', () => {
  it('parses a proxied request', () => {
    expect(parseNginxUpstreamLine('172.18.0.1 "GET /users/1/feed?limit=5 HTTP/1.1" 200 0.004 172.18.0.5:3000 0.003')).toEqual({
      remoteAddr: '172.18.0.1',
      request: 'GET /users/1/feed?limit=5 HTTP/1.1',
      status: 200,
      requestTimeS: 0.004,
      tries: [{ address: '172.18.0.5:3000', responseTimeS: 0.003 }],
    });
  });

  it('lists every upstream tried on a retry, and those of internal redirects', () => {
    const retry = parseNginxUpstreamLine('10.0.0.1 "POST /media/1/likes HTTP/1.1" 200 2.010 172.18.0.5:3000, 172.18.0.6:3000 2.001, 0.008');
    expect(retry!.tries).toEqual([
      { address: '172.18.0.5:3000', responseTimeS: 2.001 },
      { address: '172.18.0.6:3000', responseTimeS: 0.008 },
    ]);
    const redirect = parseNginxUpstreamLine('10.0.0.1 "GET / HTTP/1.1" 200 0.010 172.18.0.5:3000 : 172.18.0.6:3000 0.004 : 0.005');
    expect(redirect!.tries.map((t) => t.address)).toEqual(['172.18.0.5:3000', '172.18.0.6:3000']);
  });

  it('keeps a reply nginx made itself with no upstream, and an upstream that never answered with no time', () => {
    expect(parseNginxUpstreamLine('127.0.0.1 "GET /nginx/health HTTP/1.1" 200 0.000 - -')!.tries).toEqual([]);
    expect(parseNginxUpstreamLine('127.0.0.1 "GET /x HTTP/1.1" 502 0.001 172.18.0.5:3000 -')!.tries).toEqual([{ address: '172.18.0.5:3000', responseTimeS: null }]);
  });

  it('returns null for lines in other formats', () => {
    expect(parseNginxUpstreamLine('172.18.0.1 - - [10/Oct/2024:13:55:36 +0000] "GET / HTTP/1.1" 200 612 "-" "curl"')).toBeNull();
    expect(parseNginxUpstreamLine('')).toBeNull();
    expect(parseNginxUpstreamLine('1.2.3.4 "GET / HTTP/1.1" 200 0.1 a, b 0.1')).toBeNull();
  });

  it('splits timestamped docker log lines into keys that sort as the times do', () => {
    const lines = splitTimestampedLog('2024-05-01T10:00:00.5Z first line\n2024-05-01T10:00:00.123456789Z second\n\nnot timestamped\n');
    expect(lines).toEqual([
      { key: '2024-05-01T10:00:00.500000000', line: 'first line' },
      { key: '2024-05-01T10:00:00.123456789', line: 'second' },
    ]);
    expect(lines[1]!.key < lines[0]!.key).toBe(true);
    expect(timestampKey('2024-05-01T10:00:00Z')).toBe('2024-05-01T10:00:00.000000000');
    expect(timestampKey('yesterday')).toBeNull();
  });
});

describe('nginx upstream tallies', () => {
  const names: Record<string, string> = { '172.18.0.5': 'app-0', '172.18.0.6': 'app-1' };
  const nameOf = (address: string) => names[address.replace(/:\d+$/, '')] ?? address;

  it('counts requests per app instance by name, gives the final status to the last upstream tried, and rates them per interval', () => {
    const tally = new NginxLogTally(nameOf);
    const baseline = { tS: 0, value: tally.tally([]) };
    const second = {
      tS: 2,
      value: tally.tally([
        '1.1.1.1 "GET /a HTTP/1.1" 200 0.004 172.18.0.5:3000 0.004',
        '1.1.1.1 "GET /a HTTP/1.1" 200 0.002 172.18.0.6:3000 0.002',
        '1.1.1.1 "GET /a HTTP/1.1" 502 0.010 172.18.0.5:3000, 172.18.0.6:3000 0.003, 0.006',
        '1.1.1.1 "GET /a HTTP/1.1" 200 0.002 172.18.0.9:3000 0.002',
        'garbage',
      ]),
    };
    const metrics = summarizeNginx([baseline, second], tally);
    expect(metrics).toMatchObject({ available: true, linesParsed: 4, linesUnparsed: 1 });
    expect(metrics.requestTime.count).toBe(4);
    const byName = Object.fromEntries(metrics.upstreams.map((u) => [u.upstream, u]));
    expect(Object.keys(byName)).toEqual(['172.18.0.9:3000', 'app-0', 'app-1']);
    expect(byName['app-0']!.summary).toMatchObject({ requests: 2, status5xx: 0 });
    expect(byName['app-1']!.summary).toMatchObject({ requests: 2, status5xx: 1 });
    expect(byName['app-1']!.summary.upstreamTime.count).toBe(2);
    expect(byName['app-0']!.series).toEqual([{ tS: 2, requestsPerS: 1, meanUpstreamMs: 3.5 }]);
  });

  it('says the log is unavailable when nginx logged no upstream lines', () => {
    const tally = new NginxLogTally(nameOf);
    const metrics = summarizeNginx([{ tS: 0, value: tally.tally([]) }, { tS: 1, value: tally.tally([]) }], tally);
    expect(metrics).toMatchObject({ available: false, linesParsed: 0, upstreams: [] });
  });
});
