import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import type { ServiceSpec } from '../service-spec.ts';
import { type StackConfig, StackConfigSchema, loadStackConfig } from '../stack-config.ts';
import { describeStack } from '../stack-description.ts';
import { renderCompose, swarmPublicEndpoints } from './compose.ts';
import type { DeployFile } from './deploy-common.ts';
import { renderKubernetes } from './kubernetes.ts';
import { kubernetesPublicEndpoints } from './loadgen-proxy.ts';
import { OFFICIAL_TEST_CATALOG } from './testing/fixtures.ts';

/**
 * Every stack field must reach every target: vary it, render, and the output must change.
 * A field that cannot show in a target's output is listed here with the reason; a new field
 * of StackConfigSchema that is in neither fails this test.
 */
const NOT_APPLICABLE: Readonly<Record<Target, Readonly<Record<string, string>>>> = {
  swarm: {
    catalog: 'resolved to a catalog before rendering: the manifests name its images (catalog-names.ts), not the choice',
  },
  kubernetes: {
    catalog: 'resolved to a catalog before rendering: the manifests name its images (catalog-names.ts), not the choice',
  },
};

type Target = 'swarm' | 'kubernetes';

const flatten = (files: readonly DeployFile[]) => files.map((f) => `${f.path}\n${Buffer.isBuffer(f.content) ? f.content.toString('base64') : f.content}`).join('\n');

function renderTarget(target: Target, config: Readonly<StackConfig>): string {
  if (target === 'swarm') return flatten(renderCompose(describeStack(config, OFFICIAL_TEST_CATALOG, swarmPublicEndpoints()), config, { runId: 'r1' }).files);
  return flatten(renderKubernetes(describeStack(config, OFFICIAL_TEST_CATALOG, kubernetesPublicEndpoints()), config, { runId: 'r1' }).files);
}

/** Every leaf field of the schema, nested objects (cpus) by their dotted path. */
function leafFields(schema: TSchema, prefix = ''): Array<{ path: string; schema: TSchema }> {
  return Object.entries((schema as unknown as { properties: Record<string, TSchema> }).properties).flatMap(([key, child]) =>
    child.type === 'object' && child.properties ? leafFields(child, `${prefix}${key}.`) : [{ path: `${prefix}${key}`, schema: child }],
  );
}

/** Another value the field's schema allows, different from `current`. */
function otherValue(schema: TSchema, current: unknown): unknown {
  if (schema.anyOf) {
    for (const variant of schema.anyOf as TSchema[]) {
      const candidate = variant.const !== undefined ? variant.const : variant.type === 'null' ? null : otherValue(variant, current);
      if (candidate !== current && candidate !== undefined) return candidate;
    }
    return undefined;
  }
  if (schema.type === 'boolean') return !current;
  if (schema.type === 'integer' || schema.type === 'number') {
    if (typeof current !== 'number') return schema.type === 'integer' ? (schema.minimum ?? 0) + 1 : 0.5;
    return current + 1 <= (schema.maximum ?? Infinity) ? current + 1 : current - 1;
  }
  return undefined;
}

function withField(input: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, tail] = path.split('.') as [string, string | undefined];
  if (tail === undefined) return { ...input, [head]: value };
  return { ...input, [head]: { ...((input[head] as Record<string, unknown>) ?? {}), [tail]: value } };
}

function readField(config: Readonly<StackConfig>, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
}

// A base where every switch can take effect: replicas on (so readFromReplica can flip), the cache on.
const BASE_INPUT = { replicas: 1, cache: 'memcached' };
const FIELDS = leafFields(StackConfigSchema);

describe('stack fields on every target', () => {
  it('enumerates every field of the stack schema, cpus included', () => {
    expect(FIELDS.map((f) => f.path)).toEqual(expect.arrayContaining(['catalog', 'appInstances', 'physicalShards', 'startupTimeoutS', 'cpus.app', 'cpus.nginx']));
  });

  for (const target of ['swarm', 'kubernetes'] as const) {
    const base = loadStackConfig(BASE_INPUT);
    const baseline = renderTarget(target, base);

    it.each(FIELDS.map((f) => [f.path, f] as const))(`${target}: %s changes the output or is listed as not applicable, with the reason`, (path, field) => {
      const value = otherValue(field.schema, readField(base, path));
      expect(value, `${path}: no other value found in its schema; teach otherValue about it`).not.toBeUndefined();
      const varied = loadStackConfig(withField(BASE_INPUT, path, value));
      const changed = renderTarget(target, varied) !== baseline;
      const reason = NOT_APPLICABLE[target][path];
      if (reason === undefined) expect(changed, `${path} = ${JSON.stringify(value)} leaves the ${target} output unchanged: map it in the renderer or list it in NOT_APPLICABLE.${target} with the reason`).toBe(true);
      else expect(changed, `${path} now changes the ${target} output: remove it from NOT_APPLICABLE.${target}`).toBe(false);
    });

    it(`${target}: lists only fields that exist as not applicable`, () => {
      for (const path of Object.keys(NOT_APPLICABLE[target])) expect(FIELDS.map((f) => f.path)).toContain(path);
    });
  }
});

/**
 * Every field of a ServiceSpec must reach both targets too. A Record over every key, so a new
 * ServiceSpec field fails to compile until it has a variation here.
 */
const SPEC_VARIATIONS: Readonly<Record<keyof ServiceSpec, (spec: ServiceSpec) => ServiceSpec>> = {
  name: (s) => ({ ...s, name: 'probe-1' }),
  tier: (s) => ({ ...s, tier: 'worker' }),
  image: (s) => ({ ...s, image: 'example/other:1' }),
  entrypoint: (s) => ({ ...s, entrypoint: ['tini', '--'] }),
  command: (s) => ({ ...s, command: ['run', '--fast'] }),
  environment: (s) => ({ ...s, environment: { ...s.environment, EXTRA: '1' } }),
  files: (s) => ({ ...s, files: [...(s.files ?? []), { content: 'x = 1\n', target: '/etc/probe/extra.conf', mode: 0o600 }] }),
  ports: (s) => ({ ...s, ports: [...s.ports, 9999] }),
  tmpfs: (s) => ({ ...s, tmpfs: { '/scratch': 'rw,size=64m' } }),
  user: (s) => ({ ...s, user: '1000' }),
  cpus: (s) => ({ ...s, cpus: 2 }),
  capAdd: (s) => ({ ...s, capAdd: ['NET_ADMIN'] }),
  startedWhen: (s) => ({ ...s, startedWhen: { kind: 'command', command: 'test -f /ready' } }),
};

describe('service spec fields on every target', () => {
  const spec: ServiceSpec = {
    name: 'probe-0',
    tier: 'app',
    image: 'example/probe:1',
    command: ['serve'],
    environment: { MODE: 'test' },
    files: [{ content: 'a = 1\n', target: '/etc/probe/a.conf', mode: 0o644 }],
    ports: [8080],
    startedWhen: { kind: 'command', command: 'true' },
  };
  const config = loadStackConfig({});
  const render = (target: Target, s: ServiceSpec) =>
    target === 'swarm' ? flatten(renderCompose([s], config, { runId: 'r1' }).files) : flatten(renderKubernetes([s], config, { runId: 'r1' }).files);

  for (const target of ['swarm', 'kubernetes'] as const) {
    it.each(Object.keys(SPEC_VARIATIONS) as Array<keyof ServiceSpec>)(`${target}: ServiceSpec.%s shows in the output`, (key) => {
      expect(render(target, SPEC_VARIATIONS[key](spec))).not.toBe(render(target, spec));
    });
  }
});
