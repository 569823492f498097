import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { FeedscaleError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { NODE_ROLE } from '../deploy/deploy-common.ts';
import { stateDir } from '../docker/engine.ts';

/** The address a swarm this harness initialises listens and advertises on: this machine only. */
export const SWARM_ADDRESS = '127.0.0.1';
/** The bridge Swarm creates for its tasks' outside traffic; it outlives `swarm leave`. */
const GWBRIDGE = 'docker_gwbridge';
/** Written when feedscale initialises a swarm, so a later run can still leave it after a crash. */
const OWNER_FILE = 'swarm-initialised-by-feedscale.json';

interface OwnerRecord {
  nodeId: string;
  createdAt: string;
  /** Whether docker_gwbridge existed before the swarm did (then it stays after leaving). */
  gwbridgeExisted: boolean;
}

/** One run's hold on swarm mode; the last release restores what the first acquire found. */
export interface SwarmLease {
  /** True when this process (or an earlier feedscale process, by its owner file) initialised the swarm. */
  readonly initialisedByFeedscale: boolean;
  release(): Promise<void>;
}

interface SwarmState {
  refs: number;
  owner: OwnerRecord | undefined;
  nodeId: string;
  /** Node labels this process added to the only node (feedscale.<role>=true). */
  addedLabels: string[];
}

let state: SwarmState | undefined;
/** Acquire and release run one at a time: a duet's two stacks share one swarm. */
let queue: Promise<unknown> = Promise.resolve();
function serialised<T>(work: () => Promise<T>): Promise<T> {
  const next = queue.then(work, work);
  queue = next.catch(() => undefined);
  return next;
}

const ownerPath = () => join(stateDir(), OWNER_FILE);

function readOwner(nodeId: string): OwnerRecord | undefined {
  if (!existsSync(ownerPath())) return undefined;
  try {
    const record = JSON.parse(readFileSync(ownerPath(), 'utf8')) as OwnerRecord;
    return record.nodeId === nodeId ? record : undefined;
  } catch {
    return undefined;
  }
}

interface SwarmInfo {
  LocalNodeState?: string;
  NodeID?: string;
  ControlAvailable?: boolean;
}

async function swarmInfo(docker: Dockerode): Promise<SwarmInfo> {
  const info = (await docker.info()) as { Swarm?: SwarmInfo };
  return info.Swarm ?? {};
}

const ROLE_LABELS = [...new Set(Object.values(NODE_ROLE))].map((role) => `feedscale.${role}`);

/**
 * Gives every node role a place: on a one-node swarm, the node gets each missing
 * `feedscale.<role>=true` label (and loses them again at the last release); on a larger swarm
 * the operator places the tiers (README, "Swarm and Kubernetes"), and a role no node carries is
 * an error rather than services that stay pending.
 */
async function placeRoles(docker: Dockerode, log: Logger): Promise<string[]> {
  const nodes = await docker.listNodes();
  const labelsOf = (node: (typeof nodes)[number]) => node.Spec?.Labels ?? {};
  if (nodes.length === 1) {
    const node = nodes[0]!;
    const missing = ROLE_LABELS.filter((label) => labelsOf(node)[label] !== 'true');
    if (missing.length > 0) {
      const spec = { ...node.Spec, Labels: { ...labelsOf(node), ...Object.fromEntries(missing.map((label) => [label, 'true'])) } };
      await docker.getNode(node.ID).update({ version: node.Version?.Index, ...spec });
      log.info({ labels: missing }, 'labelled the only swarm node with every feedscale role');
    }
    return missing;
  }
  const unplaced = ROLE_LABELS.filter((label) => !nodes.some((node) => labelsOf(node)[label] === 'true'));
  if (unplaced.length > 0) {
    throw new FeedscaleError(
      'CTR_ERR_ENGINE_UNAVAILABLE',
      `this swarm has ${nodes.length} nodes and none is labelled ${unplaced.map((l) => `${l}=true`).join(', ')}; ` +
        'label the nodes that should run each tier (docker node update --label-add feedscale.<role>=true <node>; README, "Swarm and Kubernetes")',
    );
  }
  return [];
}

async function acquire(docker: Dockerode, log: Logger): Promise<void> {
  if (state) {
    state.refs += 1;
    return;
  }
  let swarm = await swarmInfo(docker);
  let owner: OwnerRecord | undefined;
  if (swarm.LocalNodeState === 'inactive') {
    const gwbridgeExisted = (await docker.listNetworks({ filters: { name: [GWBRIDGE] } })).some((n) => n.Name === GWBRIDGE);
    log.warn(`this Docker engine is not in swarm mode: initialising a single-node swarm on ${SWARM_ADDRESS} (it is left again after the run)`);
    try {
      await docker.swarmInit({ ListenAddr: `${SWARM_ADDRESS}:2377`, AdvertiseAddr: SWARM_ADDRESS });
    } catch (err) {
      throw new FeedscaleError('CTR_ERR_ENGINE_UNAVAILABLE', `docker swarm init failed: ${(err as Error).message}`, { cause: err });
    }
    swarm = await swarmInfo(docker);
    owner = { nodeId: swarm.NodeID ?? '', createdAt: new Date().toISOString(), gwbridgeExisted };
    writeFileSync(ownerPath(), `${JSON.stringify(owner, null, 2)}\n`);
  } else if (swarm.LocalNodeState === 'active') {
    if (!swarm.ControlAvailable) {
      throw new FeedscaleError('CTR_ERR_ENGINE_UNAVAILABLE', 'this Docker engine is a swarm worker; run feedscale with --engine swarm on a manager node');
    }
    // A swarm an earlier feedscale process initialised and could not leave (killed): still ours.
    owner = readOwner(swarm.NodeID ?? '');
    if (owner) log.warn('this swarm was initialised by an earlier feedscale run that did not finish; it is left after this run');
  } else {
    throw new FeedscaleError('CTR_ERR_ENGINE_UNAVAILABLE', `the engine's swarm is ${swarm.LocalNodeState ?? 'in an unknown state'}; expected inactive or active`);
  }
  state = { refs: 1, owner, nodeId: swarm.NodeID ?? '', addedLabels: [] };
  try {
    state.addedLabels = await placeRoles(docker, log);
  } catch (err) {
    await restore(docker, log);
    throw err;
  }
}

/** Swarm leaves its bridge behind; it did not exist before the swarm, so it goes too (its last endpoint may take a moment to go). */
async function removeGwbridge(docker: Dockerode, log: Logger): Promise<void> {
  let lastError = '';
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      await docker.getNetwork(GWBRIDGE).remove();
      return;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return;
      lastError = (err as Error).message;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  log.warn({ err: lastError }, `${GWBRIDGE} (the bridge swarm mode created) could not be removed; it is empty and harmless, and \`docker network rm ${GWBRIDGE}\` removes it once dockerd lets it`);
}

/** Leaves the swarm if feedscale initialised it and nothing else runs there; else removes only the labels it added. */
async function restore(docker: Dockerode, log: Logger): Promise<void> {
  const current = state;
  state = undefined;
  if (!current) return;
  const others = await docker.listServices().catch(() => []);
  if (others.length > 0) {
    log.warn({ services: others.map((s) => s.Spec?.Name) }, 'other services run in the swarm: it stays as it is');
    return;
  }
  if (current.owner) {
    await docker.swarmLeave({ force: true });
    if (!current.owner.gwbridgeExisted) await removeGwbridge(docker, log);
    rmSync(ownerPath(), { force: true });
    log.info('left the swarm feedscale initialised');
    return;
  }
  if (current.addedLabels.length > 0) {
    const node = await docker.getNode(current.nodeId).inspect();
    const labels = Object.fromEntries(Object.entries((node.Spec?.Labels ?? {}) as Record<string, string>).filter(([key]) => !current.addedLabels.includes(key)));
    await docker.getNode(current.nodeId).update({ version: node.Version?.Index, ...node.Spec, Labels: labels });
  }
}

/**
 * Swarm mode for one run. The first lease initialises a single-node swarm when the engine has
 * none (advertised on 127.0.0.1, recorded in the state folder) and labels the node with every
 * role; the last release leaves that swarm (and removes the bridge it created), or, on a swarm
 * that was there before, removes only the labels it added. While other services run in the
 * swarm nothing is changed at release.
 */
export function acquireSwarm(docker: Dockerode, log: Logger): Promise<SwarmLease> {
  return serialised(async () => {
    await acquire(docker, log);
    let released = false;
    return {
      initialisedByFeedscale: state?.owner !== undefined,
      release: () =>
        serialised(async () => {
          if (released || !state) return;
          released = true;
          state.refs -= 1;
          if (state.refs === 0) await restore(docker, log);
        }),
    };
  });
}
