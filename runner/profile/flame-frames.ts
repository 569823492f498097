import type { ProfileFrame } from '../../lib/profile-schema.ts';

/** One frame of clinic flame's samples file (`<pid>.clinic-flame-samples`: an array of stacks, root first). */
export interface FlameSampleFrame {
  name: string;
}

/** Where a position of the bundle came from (through its source map); undefined when unknown. */
export type SourceLookup = (bundleUrl: string, line: number, column: number) => { source: string; line: number } | undefined;

export interface HottestFrames {
  samples: number;
  idleSamples: number;
  loadingSamples: number;
  busySamples: number;
  hottest: ProfileFrame[];
}

/**
 * V8's tick profiler samples the idle event loop too (a stack that ends waiting in epoll), and
 * empty stacks carry no frame to blame: neither is time the app spent on requests.
 */
export function isIdleStack(stack: readonly FlameSampleFrame[]): boolean {
  return stack.length === 0 || /^epoll_p?wait\b/.test(stack[stack.length - 1]!.name.trim());
}

/**
 * Loading and compiling modules (the bundle at start-up, node's internals on first use) and
 * parsing the bundle's source map (once, for the first stack trace): paid once per process, not
 * per request, so kept out of the request path's shares.
 */
export function isLoadingStack(stack: readonly FlameSampleFrame[]): boolean {
  return stack.some((frame) => /\bnode:internal\/(modules\/|main\/|bootstrap\/|source_map\/source_map:)/.test(frame.name));
}

/** A frame name of the samples: "fn file:///srv/x/server.mjs:12:34", "fn node:net:1:2", or native ("epoll_wait [SHARED_LIB]"). */
const JS_FRAME = /^(.*?)\s*((?:file:\/\/|node:)\S+?):(\d+):(\d+)$/;

/**
 * A source path shortened for reading: the package path after the last node_modules/
 * ("fastify/lib/reply.js"), the repository path ("system/feed/feed-reads.ts"), or as given.
 */
export function shortSource(path: string): string {
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length);
  const repo = path.search(/(^|\/)(system|lib|containers|scenarios)\//);
  if (repo >= 0) return path.slice(path[repo] === '/' ? repo + 1 : repo);
  return path.replace(/^file:\/\/.*\//, '');
}

/** The function name and source of one frame, the bundle mapped back to its sources where it can be. */
export function describeFrame(name: string, lookup?: SourceLookup): { name: string; source?: string } {
  const trimmed = name.trim();
  const m = JS_FRAME.exec(trimmed);
  if (!m) return { name: trimmed };
  const fn = m[1] || '(anonymous)';
  const [url, line, column] = [m[2]!, Number(m[3]), Number(m[4])];
  if (url.startsWith('node:')) return { name: fn, source: url };
  const original = lookup?.(url, line, column);
  if (original) return { name: fn, source: `${shortSource(original.source)}:${original.line}` };
  return { name: fn, source: `${shortSource(url)}:${line}` };
}

/** Where a stack's time goes when no JavaScript function is on it (libuv, V8 outside any call). */
export const NATIVE_ONLY = '(native code, no JavaScript on the stack)';

/**
 * The hottest frames of a flame profile by self time, as clinic flame shows them by default:
 * native frames (syscalls, libc, V8 internals) charged to the JavaScript function that called
 * them, so a socket write counts for the function that wrote. Shares are of the busy samples
 * (neither idle nor loading modules: the request path), each frame with its inclusive share
 * (anywhere on the stack). Pure: the caller reads the samples file and the source map.
 */
export function hottestFrames(stacks: readonly (readonly FlameSampleFrame[])[], lookup?: SourceLookup, top = 10): HottestFrames {
  const described = new Map<string, { name: string; source?: string }>([[NATIVE_ONLY, { name: NATIVE_ONLY }]]);
  const keyOf = (frame: FlameSampleFrame): { key: string; js: boolean } => {
    const d = describeFrame(frame.name, lookup);
    const key = d.source ? `${d.name} ${d.source}` : d.name;
    if (!described.has(key)) described.set(key, d);
    return { key, js: d.source !== undefined };
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  let loading = 0;
  for (const stack of stacks) {
    if (isIdleStack(stack)) {
      idle += 1;
      continue;
    }
    if (isLoadingStack(stack)) {
      loading += 1;
      continue;
    }
    busy += 1;
    const frames = stack.map(keyOf);
    const owner = frames.findLast((f) => f.js)?.key ?? NATIVE_ONLY;
    self.set(owner, (self.get(owner) ?? 0) + 1);
    for (const key of new Set(frames.filter((f) => f.js).map((f) => f.key))) inclusive.set(key, (inclusive.get(key) ?? 0) + 1);
  }
  const share = (n: number) => (busy === 0 ? 0 : Math.round((n / busy) * 10_000) / 10_000);
  const hottest = [...self]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, top)
    .map(([key, n]) => ({ ...described.get(key)!, selfSamples: n, selfShare: share(n), inclusiveShare: share(key === NATIVE_ONLY ? n : (inclusive.get(key) ?? 0)) }));
  return { samples: stacks.length, idleSamples: idle, loadingSamples: loading, busySamples: busy, hottest };
}
