import { describe, expect, it } from 'vitest';
import { makeRun } from '../testing/run-fixtures.ts';
import { loadGeneratorsText } from './comparison-table.ts';

describe('loadGeneratorsText', () => {
  const endpoints = [{ endpoint: 'feed.read', latenciesUs: [1000, 2000] }];
  const one = makeRun({ configuration: 'a', endpoints });
  const split = {
    ...makeRun({ configuration: 'b', endpoints }),
    generators: [0, 1].map((index) => ({ index, host: 'bench-host', pid: 4000 + index, health: one.generator })),
  };

  it('says a run with no generators list was sent by the harness process itself', () => {
    expect(loadGeneratorsText([one, { ...one, repeat: 1 }])).toBe('1 per run, in the harness process');
  });

  it('names how many generators a split run had and the hosts they ran on', () => {
    expect(loadGeneratorsText([one, split])).toBe('1 per run, in the harness process; 2 per run, processes of their own on bench-host');
    expect(loadGeneratorsText([{ ...split, driver: 'k6', generators: split.generators.map((g, i) => ({ ...g, host: `node-${i}` })) }])).toBe('2 per run, k6 runners on node-0, node-1');
  });
});
