/**
 * The kind of a container's service: its feedscale.service label without the instance number,
 * so that the two Postgres shards or the app instances add up as one part of the stack.
 */

/** "app-1" -> "app", "pgbouncer-0" -> "pgbouncer"; without a label, from "feedscale-<run id>-pg-0". */
export function serviceKind(service: string | undefined, containerName: string | undefined): string {
  const raw = service && service.length > 0 ? service : (containerName ?? 'unknown').replace(/^\/?feedscale-[0-9a-f]+-/, '');
  return raw.replace(/-\d+$/, '') || 'unknown';
}

const KIND_LABELS: Readonly<Record<string, string>> = { pg: 'Postgres', pgbouncer: 'pgbouncer', app: 'app', objectstore: 'object store' };

/** How a kind reads in a sentence or a table row: "pg" -> "Postgres". */
export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}
