/**
 * The hottest frames of a clinic flame profile, as shares of the busy samples (those not waiting
 * in epoll: V8's tick profiler also samples the idle event loop):
 *   - self: the frame was on top of the stack;
 *   - inclusive: the frame was anywhere on it;
 *   - by owner: each sample charged to the innermost frame of our code or of a package, so a
 *     syscall is charged to whoever made it (a socket write under memjs counts for memjs).
 * Bundle frames are mapped back to their sources through the bundle's source map, looked up
 * beside the profile first (bench/profile-app.ts copies it there, so an old profile still
 * resolves after the code changed), then beside the bundle.
 *
 *   npx tsx bench/flame-top.ts out/profiles/<label>/<pid>.clinic-flame [top=25]
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Frame {
  name: string;
}

const [dirArg, topArg = '25'] = process.argv.slice(2);
if (!dirArg) {
  console.error('usage: flame-top.ts <dir>.clinic-flame [top]');
  process.exit(2);
}
const dir: string = dirArg;
const samplesFile = readdirSync(dir).find((f) => f.endsWith('.clinic-flame-samples'));
if (!samplesFile) throw new Error(`no *.clinic-flame-samples in ${dir}`);
const stacks = JSON.parse(readFileSync(join(dir, samplesFile), 'utf8')) as Frame[][];
const top = Number(topArg);

const maps = new Map<string, SourceMap | undefined>();
function sourceMapOf(bundleUrl: string): SourceMap | undefined {
  if (!maps.has(bundleUrl)) {
    const bundlePath = fileURLToPath(bundleUrl);
    const candidates = [join(dirname(dir), `${basename(bundlePath)}.map`), `${bundlePath}.map`];
    const file = candidates.find((c) => existsSync(c));
    maps.set(bundleUrl, file ? new SourceMap(JSON.parse(readFileSync(file, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]) : undefined);
  }
  return maps.get(bundleUrl);
}

/** Source file of a frame, shortened: `fastify/lib/reply.js`, `system/app/media-reads.ts`, `node:net`; undefined for native frames. */
function sourceOf(frame: Frame): { fn: string; file: string | undefined } {
  const name = frame.name.trim();
  const m = /^(.*?)\s*((?:file:\/\/|node:)\S+?)(?::(\d+):(\d+))?$/.exec(name);
  if (!m) return { fn: name, file: undefined };
  const fn = m[1] || '(anonymous)';
  let file = m[2]!;
  if (file.startsWith('file://') && m[3]) {
    const entry = sourceMapOf(file)?.findEntry(Number(m[3]) - 1, Number(m[4]) - 1);
    if (entry && 'originalSource' in entry && entry.originalSource) file = entry.originalSource;
  }
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) return { fn, file: file.slice(nm + 'node_modules/'.length) };
  const repo = file.search(/\/(system|bench|lib)\//);
  if (repo >= 0) return { fn, file: file.slice(repo + 1) };
  return { fn, file: file.replace(/^file:\/\/.*\//, '') };
}

/** The package (or repo folder, or node built-in) that owns a source file. */
function ownerOf(file: string): string {
  if (file.startsWith('node:')) return file.replace(/^node:(internal\/)?/, 'node:').split('/')[0]!;
  if (file.startsWith('system/') || file.startsWith('bench/') || file.startsWith('lib/')) return file;
  const parts = file.split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

const labelOf = (frame: Frame) => {
  const { fn, file } = sourceOf(frame);
  return file ? `${fn} (${file})` : fn;
};

const isIdle = (stack: Frame[]) => /^epoll_p?wait/.test(stack[stack.length - 1]?.name.trim() ?? '');
const busy = stacks.filter((s) => s.length > 0 && !isIdle(s));
const total = busy.length;
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
const owners = new Map<string, number>();
const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
for (const stack of busy) {
  add(self, labelOf(stack[stack.length - 1]!));
  for (const name of new Set(stack.map(labelOf))) add(inclusive, name);
  // Innermost frame with a source that is not a node built-in, else the innermost built-in.
  const sources = stack.map((f) => sourceOf(f).file);
  const own = sources.findLast((f) => f !== undefined && !f.startsWith('node:')) ?? sources.findLast((f) => f !== undefined);
  add(owners, own ? ownerOf(own) : '(native, no JS caller)');
}
process.stdout.on('error', () => process.exit(0));
const show = (title: string, counts: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((n / total) * 100).toFixed(1).padStart(6)}%  ${n.toString().padStart(7)}  ${name}`);
  }
};
console.log(`${stacks.length} samples, ${total} busy (${(((stacks.length - total) / stacks.length) * 100).toFixed(1)}% idle in epoll)`);
show('self (top of stack)', self);
show('inclusive (anywhere on the stack)', inclusive);
show('by owner (innermost frame of our code or a package; syscalls charged to their caller)', owners);
