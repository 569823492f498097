import type { ResolvedCatalog } from '../containers/images/image-catalog.ts';
import type { ObjectStoreEndpoint, ShardEndpoint } from '../lib/stack-endpoints.ts';
import type { StackConfig } from '../containers/stack-config.ts';

/** What the integration tests get from the stack the global setup started (JSON-serialisable). */
export interface StackInfo {
  runId: string;
  config: StackConfig;
  catalog: ResolvedCatalog;
  baseUrl: string;
  appUrls: string[];
  shards: ShardEndpoint[];
  redisUrl: string;
  memcachedServers: string[];
  cdnUrl: string;
  notificationSinkUrl: string;
  workerUrls: string[];
  objectStore: ObjectStoreEndpoint;
  timingsMs: Record<string, number>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}
