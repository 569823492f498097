import { describe, expect, it } from 'vitest';
import { NATIVE_ONLY, describeFrame, hottestFrames, isIdleStack, isLoadingStack, shortSource } from './flame-frames.ts';

const f = (name: string) => ({ name });
const BUNDLE = 'file:///tmp/feedscale/server.mjs';

describe('hottest frames of a flame profile', () => {
  it('ranks frames by self time among the busy samples: idle epoll waits, empty stacks and module loading left out', () => {
    const stacks = [
      [f('run node:internal/main/run_main_module:1:1'), f(`parse ${BUNDLE}:20:3`)],
      [f(`main ${BUNDLE}:1:1`), f(`readFeed ${BUNDLE}:10:5`), f(`parse ${BUNDLE}:20:3`)],
      [f(`main ${BUNDLE}:1:1`), f(`readFeed ${BUNDLE}:10:5`), f(`parse ${BUNDLE}:20:3`)],
      [f(`main ${BUNDLE}:1:1`), f(`readFeed ${BUNDLE}:10:5`)],
      [f('pthread_cond_signal@@GLIBC_2.3.2')],
      [f('epoll_pwait@@GLIBC_2.6')],
      [f('epoll_wait@@GLIBC_2.2.5')],
      [],
    ];
    const result = hottestFrames(stacks);
    expect(result).toMatchObject({ samples: 8, idleSamples: 3, loadingSamples: 1, busySamples: 4 });
    expect(result.hottest.map((h) => [h.name, h.selfSamples, h.selfShare, h.inclusiveShare])).toEqual([
      ['parse', 2, 0.5, 0.5],
      [NATIVE_ONLY, 1, 0.25, 0.25],
      ['readFeed', 1, 0.25, 0.75],
    ]);
    expect(result.hottest[0]!.source).toBe('server.mjs:20');
  });

  it('charges a native frame (a syscall, libc, V8) to the JavaScript function that called it, as clinic flame shows by default', () => {
    const stacks = [
      [f(`handler ${BUNDLE}:5:1`), f('writevGeneric node:internal/stream_base_commons:123:23'), f('writev@@GLIBC_2.2.5')],
      [f(`handler ${BUNDLE}:5:1`), f('writevGeneric node:internal/stream_base_commons:123:23'), f('/usr/local/bin/node')],
      [f(`handler ${BUNDLE}:5:1`)],
    ];
    const { hottest } = hottestFrames(stacks);
    expect(hottest.map((h) => [h.name, h.source, h.selfSamples])).toEqual([
      ['writevGeneric', 'node:internal/stream_base_commons', 2],
      ['handler', 'server.mjs:5', 1],
    ]);
  });

  it('maps bundle positions back to their sources and counts a recursive frame once per sample', () => {
    const lookup = (_url: string, line: number) =>
      line === 10 ? { source: '../../../system/feed/feed-reads.ts', line: 42 } : { source: '../../../node_modules/fastify/lib/reply.js', line: 7 };
    const stacks = [[f(`readFeed ${BUNDLE}:10:5`), f(`send ${BUNDLE}:30:1`), f(`readFeed ${BUNDLE}:10:5`)]];
    const { hottest } = hottestFrames(stacks, lookup);
    expect(hottest).toEqual([{ name: 'readFeed', source: 'system/feed/feed-reads.ts:42', selfSamples: 1, selfShare: 1, inclusiveShare: 1 }]);
  });

  it('keeps node built-ins and native frames as they are named', () => {
    expect(describeFrame('writeGeneric node:internal/stream_base_commons:147:22')).toEqual({ name: 'writeGeneric', source: 'node:internal/stream_base_commons' });
    expect(describeFrame(' v8::internal::Runtime_StringToNumber [CPP]')).toEqual({ name: 'v8::internal::Runtime_StringToNumber [CPP]' });
    expect(describeFrame(` ${BUNDLE}:5:1`)).toEqual({ name: '(anonymous)', source: 'server.mjs:5' });
    expect(shortSource('../../node_modules/@fastify/ajv-compiler/index.js')).toBe('@fastify/ajv-compiler/index.js');
    expect(isIdleStack([f('epoll_pwait@@GLIBC_2.6')])).toBe(true);
    expect(isLoadingStack([f('prepareStackTrace node:internal/source_map/prepare_stack_trace:45:69'), f('#parseMap node:internal/source_map/source_map:258:12')])).toBe(true);
    expect(isLoadingStack([f('prepareStackTrace node:internal/source_map/prepare_stack_trace:45:69')])).toBe(false);
  });
});
