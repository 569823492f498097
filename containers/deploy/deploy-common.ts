import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Document, type ToStringOptions } from 'yaml';
import { FeedscaleError } from '../../lib/errors.ts';
import { MANAGED_LABEL, RUN_LABEL, SERVICE_LABEL } from '../docker/labels.ts';
import type { ServiceSpec, ServiceTier } from '../service-spec.ts';

/** One file a renderer produces, relative to the output folder; the CLI writes it. */
export interface DeployFile {
  path: string;
  content: string | Buffer;
}

/** The tier of a service, as a label on everything a deploy creates (`kubectl get pods -l feedscale.tier=app`). */
export const TIER_LABEL = 'feedscale.tier';

/** A run id is a label value and part of names: lower-case letters, digits and dashes, as `newRunId()` makes them. */
export const RUN_ID_PATTERN = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

export function checkRunId(runId: string): void {
  if (!RUN_ID_PATTERN.test(runId)) {
    throw new FeedscaleError('CFG_ERR_INVALID', `run id must be 1-32 lower-case letters, digits or dashes, starting and ending with a letter or digit (got ${JSON.stringify(runId)})`);
  }
}

/**
 * The labels every container and network of a Testcontainers run carries (docker/labels.ts),
 * with the service's tier added. Without FEEDSCALE_SUITE: a deployment outlives the test suite.
 */
export function deployLabels(runId: string, spec?: Pick<ServiceSpec, 'name' | 'tier'>): Record<string, string> {
  return { [MANAGED_LABEL]: 'true', [RUN_LABEL]: runId, ...(spec ? { [SERVICE_LABEL]: spec.name, [TIER_LABEL]: spec.tier } : {}) };
}

/**
 * Where each tier runs on a multi-node cluster: a node role, given to nodes as the label
 * `feedscale.<role>=true` (Swarm) or `feedscale.io/<role>=true` (Kubernetes, optional). A
 * Record over every tier, so a new tier fails to compile until it has a place.
 * 2011: the database hosts, the cache hosts and the app servers were separate machines.
 */
export const NODE_ROLE: Readonly<Record<ServiceTier, 'data' | 'replica' | 'cache' | 'app' | 'edge'>> = Object.freeze({
  postgres: 'data',
  pgbouncer: 'data',
  'postgres-replica': 'replica',
  redis: 'cache',
  memcached: 'cache',
  app: 'app',
  worker: 'app',
  'notification-sink': 'app',
  objectstore: 'edge',
  cdn: 'edge',
  nginx: 'edge',
});

/** The size in a tmpfs option string ("rw,size=256m"), in bytes; undefined when none is given. Suffixes are binary, as the kernel reads them. */
export function tmpfsSizeBytes(options: string): number | undefined {
  const size = options
    .split(',')
    .map((o) => o.trim())
    .find((o) => o.startsWith('size='))
    ?.slice('size='.length);
  if (size === undefined) return undefined;
  const match = /^(\d+)([kmg]?)$/i.exec(size);
  if (!match) throw new FeedscaleError('CFG_ERR_INVALID', `tmpfs size must be a number of bytes with an optional k, m or g suffix (got ${JSON.stringify(size)})`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(match[1]) * unit;
}

/** A name for a file of a service, from its target path: "pgbouncer.ini"; unique within the service. */
export function fileKeys(spec: Pick<ServiceSpec, 'files'>): string[] {
  const seen = new Map<string, number>();
  return (spec.files ?? []).map((file) => {
    const base = posix.basename(file.target).replace(/[^-._a-zA-Z0-9]/g, '-') || 'file';
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${n}-${base}`;
  });
}

/** First 10 hex of sha256: names that change when content does (Swarm configs are immutable). */
export function contentHash(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 10);
}

const YAML_OPTIONS: ToStringOptions = { lineWidth: 0, minContentWidth: 0 };

/**
 * Objects as one YAML stream (`---` between documents), with an optional comment on top.
 * No line folding: a long JSON environment value stays on one line.
 */
export function yamlDocuments(objects: readonly unknown[], comment?: string): string {
  return objects
    .map((object, i) => {
      // No anchors and aliases for objects used twice (the TestRun's env): plain YAML reads anywhere.
      const doc = new Document(object, { aliasDuplicateObjects: false });
      if (i === 0 && comment) doc.commentBefore = comment.replace(/^/gm, ' ').trimEnd();
      return doc.toString(YAML_OPTIONS);
    })
    .join('---\n');
}
