import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { describeHost } from './host-info.ts';
import { HostSchema } from '../reports/report-schema.ts';

describe('describeHost', () => {
  it('describes this machine in the shape the report metadata requires', () => {
    const host = describeHost();
    expect(Value.Check(HostSchema, host)).toBe(true);
    expect(host.node).toBe(process.version);
  });
});
