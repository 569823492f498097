/**
 * The command-line flags of `feedscale run` and the run-configuration field each one sets: the
 * CLI parses them, the configuration reference documents them, error messages name them.
 */
/** Command-line options of `feedscale run` and the config field each one sets. */
export const RUN_FLAGS = Object.freeze({
  catalog: { flag: '--catalog <kind>', path: ['stack', 'catalog'], help: 'image catalog: auto | official | local' },
  engine: { flag: '--engine <engine>', path: ['engine'], help: 'what runs the stacks: testcontainers | swarm (docker stack deploy)' },
  shards: { flag: '--shards <n>', path: ['stack', 'physicalShards'], help: 'physical Postgres shards (each behind pgbouncer)' },
  logicalShards: { flag: '--logical-shards <n>', path: ['stack', 'logicalShards'], help: 'logical shards (schemas)' },
  instances: { flag: '--instances <n>', path: ['stack', 'appInstances'], help: 'app instances behind nginx' },
  poolSize: { flag: '--pool-size <n>', path: ['stack', 'pgbouncerPoolSize'], help: 'pgbouncer default_pool_size' },
  cache: { flag: '--cache <mode>', path: ['stack', 'cache'], help: 'base cache mode: memcached | off' },
  seed: { flag: '--seed <n>', path: ['seed'], help: 'seed of the dataset and request streams' },
  plan: { flag: '--plan <name|file>', path: ['plan'], help: 'plan name (scenarios/plans) or plan file' },
  rate: { flag: '--rate <rps>', path: ['load', 'rateRps'], help: 'arrival rate, requests/s (overrides the plan)' },
  duration: { flag: '--duration <s>', path: ['load', 'durationS'], help: 'measured seconds (overrides the plan)' },
  warmup: { flag: '--warmup <s>', path: ['load', 'warmupS'], help: 'warm-up seconds (overrides the plan)' },
  scale: { flag: '--scale <fraction>', path: ['workload', 'scaleFactor'], help: 'fraction of the 14M users to generate (e.g. 0.0002)' },
  repeats: { flag: '--repeats <n>', path: ['repeats'], help: 'repeats per configuration, interleaved' },
  duet: {
    flag: '--duet [mode]',
    path: ['duet'],
    help: 'run the configurations of each repeat side by side, loaded at the same moment; --duet alternating: loaded one after the other (order reversed every other repeat)',
  },
  profile: { flag: '--profile <tool>', path: ['stack', 'profile'], help: 'run app-0 under clinic: doctor | flame | bubbleprof; output linked from the report' },
  out: { flag: '--out <dir>', path: ['outDir'], help: 'output folder' },
} as const);
export type RunFlag = keyof typeof RUN_FLAGS;

/** Lays the given flags over a config object (flags win), at the paths of RUN_FLAGS. */
export function applyFlags(base: unknown, flags: Partial<Record<RunFlag, string>>): Record<string, unknown> {
  const config = structuredClone((base ?? {}) as Record<string, unknown>);
  for (const [name, value] of Object.entries(flags) as [RunFlag, string | undefined][]) {
    if (value === undefined || !(name in RUN_FLAGS)) continue;
    const path = RUN_FLAGS[name].path;
    let node = config;
    for (const key of path.slice(0, -1)) {
      const child = node[key];
      node = (child && typeof child === 'object' ? child : (node[key] = {})) as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = value;
  }
  // `plans` replaces `plan` in a run configuration; a --plan given on the command line is what
  // the user asked for now, so it narrows a configuration that lists several plans to that one.
  if (flags.plan !== undefined) delete config['plans'];
  return config;
}

/** Adds the flag to each config issue it can be traced to: "/stack/physicalShards (--shards): ...". */
export function annotateWithFlags(details: readonly string[]): string[] {
  return details.map((line) => {
    for (const spec of Object.values(RUN_FLAGS)) {
      const path = `/${spec.path.join('/')}`;
      if (line.startsWith(`${path}:`)) return `${path} (${spec.flag.split(' ')[0]})${line.slice(path.length)}`;
    }
    return line;
  });
}
