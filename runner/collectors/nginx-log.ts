/**
 * One line of nginx's `upstream` access log format (containers/services/nginx-container.ts):
 *   log_format upstream '$remote_addr "$request" $status $request_time $upstream_addr $upstream_response_time';
 * e.g. `172.18.0.1 "GET /users/1/feed HTTP/1.1" 200 0.004 172.18.0.5:3000 0.004`.
 */
export interface NginxUpstreamLine {
  remoteAddr: string;
  request: string;
  status: number;
  requestTimeS: number;
  /** Every upstream tried, in order (a retry after an error lists two). Empty when none was. */
  tries: Array<{ address: string; responseTimeS: number | null }>;
}

const LINE = /^(\S+) "((?:[^"\\]|\\.)*)" (\d{3}) (\d+(?:\.\d+)?) (.+)$/;

/**
 * Parses one log line, or returns null when it is not in the `upstream` format. nginx writes
 * several tried upstreams as `a, b` (retries) or `a : b` (internal redirects), with the times
 * in the same shape; "-" means no upstream (a reply nginx made itself).
 */
export function parseNginxUpstreamLine(line: string): NginxUpstreamLine | null {
  const match = LINE.exec(line.trim());
  if (!match) return null;
  const [, remoteAddr, request, status, requestTime, rest] = match;
  const fields = rest!.replace(/\s*,\s*|\s+:\s+/g, ',').split(/\s+/);
  if (fields.length !== 2) return null;
  const addresses = fields[0]!.split(',');
  const times = fields[1]!.split(',');
  if (addresses.length !== times.length) return null;
  const tries = addresses
    .map((address, i) => {
      const time = Number(times[i]);
      return { address, responseTimeS: times[i] === '-' || !Number.isFinite(time) ? null : time };
    })
    .filter((t) => t.address !== '-');
  return { remoteAddr: remoteAddr!, request: request!, status: Number(status), requestTimeS: Number(requestTime), tries };
}

/**
 * Splits `docker logs --timestamps` output into [timestamp key, line] pairs. The key is the
 * RFC 3339 timestamp with its fraction padded to 9 digits, so keys compare as strings.
 */
export function splitTimestampedLog(text: string): Array<{ key: string; line: string }> {
  const out: Array<{ key: string; line: string }> = [];
  for (const raw of text.split('\n')) {
    const space = raw.indexOf(' ');
    if (space <= 0) continue;
    const key = timestampKey(raw.slice(0, space));
    if (key !== null) out.push({ key, line: raw.slice(space + 1) });
  }
  return out;
}

export function timestampKey(timestamp: string): string | null {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(timestamp);
  if (!match) return null;
  return `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}`;
}
