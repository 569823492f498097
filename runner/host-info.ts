import { availableParallelism, totalmem } from 'node:os';
import type { Host } from '../reports/report-schema.ts';

/** The host block of the report metadata, read from this process (an effect: call it at the edge). */
export function describeHost(): Host {
  return {
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
  };
}
