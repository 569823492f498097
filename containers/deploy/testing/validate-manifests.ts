/**
 * Test support: checks rendered manifests against the schemas of their target, for the unit
 * tests here and for anyone checking a folder `feedscale deploy` wrote. Uses kubernetes-models
 * (a dev dependency): never import this from code the CLI runs.
 */
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { ComposeFileSchema } from '../compose-schema.ts';
import { TestRunSchema } from '../testrun-schema.ts';

/** One broken rule: which object, where in it, what. */
export interface ManifestIssue {
  object: string;
  path: string;
  message: string;
}

// Rules of the API server that the OpenAPI schemas do not carry (k8s.io/apimachinery validation).
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIGMAP_KEY = /^[-._a-zA-Z0-9]+$/;
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*$/;
/** The API server refuses a ConfigMap over 1 MiB. */
const CONFIGMAP_MAX_BYTES = 1024 * 1024;

const MODELS = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
} as const;

type AnyObject = Record<string, any>;

function labelIssues(labels: Record<string, string> | undefined, path: string): Array<Omit<ManifestIssue, 'object'>> {
  const issues: Array<Omit<ManifestIssue, 'object'>> = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    const [prefix, name] = key.includes('/') ? [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)] : [undefined, key];
    if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) issues.push({ path: `${path}/${key}`, message: 'label key prefix must be a DNS subdomain' });
    if (name.length > 63 || !QUALIFIED_NAME.test(name)) issues.push({ path: `${path}/${key}`, message: 'label key name must be a qualified name of at most 63 characters' });
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) issues.push({ path: `${path}/${key}`, message: `label value must be at most 63 characters of [A-Za-z0-9-_.] (got ${JSON.stringify(value)})` });
  }
  return issues;
}

/** The API server's checks of names, labels, selectors, containers and sizes beyond the OpenAPI schema. */
function apiServerRules(object: AnyObject): Array<Omit<ManifestIssue, 'object'>> {
  const issues: Array<Omit<ManifestIssue, 'object'>> = [];
  const name: string = object.metadata?.name ?? '';
  const namePattern = object.kind === 'Service' ? DNS_1035_LABEL : DNS_SUBDOMAIN;
  const nameMax = object.kind === 'Service' ? 63 : 253;
  if (!namePattern.test(name) || name.length > nameMax) issues.push({ path: '/metadata/name', message: `${object.kind} name must match ${namePattern} (at most ${nameMax})` });
  issues.push(...labelIssues(object.metadata?.labels, '/metadata/labels'));
  if (object.kind === 'ConfigMap') {
    const keys = [...Object.keys(object.data ?? {}), ...Object.keys(object.binaryData ?? {})];
    for (const key of keys) if (!CONFIGMAP_KEY.test(key)) issues.push({ path: `/data/${key}`, message: 'ConfigMap key must match [-._a-zA-Z0-9]+' });
    if (new Set(keys).size !== keys.length) issues.push({ path: '/data', message: 'a key is in both data and binaryData' });
    const bytes = Object.values<string>(object.data ?? {}).reduce((n, v) => n + Buffer.byteLength(v), 0) + Object.values<string>(object.binaryData ?? {}).reduce((n, v) => n + Buffer.from(v, 'base64').length, 0);
    if (bytes > CONFIGMAP_MAX_BYTES) issues.push({ path: '/data', message: `ConfigMap holds ${bytes} bytes; the limit is 1 MiB` });
  }
  if (object.kind === 'Service') {
    for (const [i, port] of (object.spec?.ports ?? []).entries()) {
      if (port.name !== undefined && (port.name.length > 15 || !IANA_SVC_NAME.test(port.name))) issues.push({ path: `/spec/ports/${i}/name`, message: 'port name must be an IANA service name (at most 15 characters)' });
    }
  }
  if (object.kind === 'Deployment' || object.kind === 'StatefulSet') {
    const selector: Record<string, string> = object.spec?.selector?.matchLabels ?? {};
    const template: Record<string, string> = object.spec?.template?.metadata?.labels ?? {};
    for (const [key, value] of Object.entries(selector)) if (template[key] !== value) issues.push({ path: '/spec/selector', message: `selector ${key}=${value} does not match the template's labels` });
    issues.push(...labelIssues(template, '/spec/template/metadata/labels'));
    const pod = object.spec?.template?.spec ?? {};
    const volumes = new Set<string>((pod.volumes ?? []).map((v: AnyObject) => v.name));
    for (const [i, volume] of (pod.volumes ?? []).entries()) if (!DNS_LABEL.test(volume.name)) issues.push({ path: `/spec/template/spec/volumes/${i}/name`, message: 'volume name must be a DNS label' });
    for (const [i, container] of (pod.containers ?? []).entries()) {
      const at = `/spec/template/spec/containers/${i}`;
      if (!DNS_LABEL.test(container.name ?? '') || container.name.length > 63) issues.push({ path: `${at}/name`, message: 'container name must be a DNS label' });
      for (const mount of container.volumeMounts ?? []) if (!volumes.has(mount.name)) issues.push({ path: `${at}/volumeMounts`, message: `mount of undefined volume ${mount.name}` });
      for (const env of container.env ?? []) if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(env.name)) issues.push({ path: `${at}/env/${env.name}`, message: 'environment variable name must be a C identifier-like name' });
    }
  }
  return issues;
}

/** Validates Kubernetes objects against the API's schemas (kubernetes-models, Kubernetes 1.27 API) and the API server's naming rules. */
export function validateKubernetesObjects(objects: readonly unknown[]): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  for (const raw of objects) {
    const object = raw as AnyObject;
    const id = `${object?.kind}/${object?.metadata?.name}`;
    const Model = MODELS[`${object?.apiVersion}/${object?.kind}` as keyof typeof MODELS];
    if (!Model) {
      issues.push({ object: id, path: '/kind', message: `no schema for ${object?.apiVersion} ${object?.kind}` });
      continue;
    }
    try {
      new Model(object as never).validate();
    } catch (err) {
      for (const line of String((err as Error).message).split(', ')) issues.push({ object: id, path: line.split(' ')[0]!.replace(/^data/, ''), message: line });
    }
    for (const issue of apiServerRules(object)) issues.push({ object: id, ...issue });
  }
  return issues;
}

function schemaIssues(schema: TSchema, value: unknown, object: string): ManifestIssue[] {
  return [...Value.Errors(schema, value)].map((error) => ({ object, path: error.path, message: error.message }));
}

/** Validates TestRuns against the k6-operator CRD's schema (testrun-schema.ts) and their metadata's labels. */
export function validateTestRuns(testRuns: readonly unknown[]): ManifestIssue[] {
  return testRuns.flatMap((raw) => {
    const object = raw as AnyObject;
    const id = `TestRun/${object?.metadata?.name}`;
    return [
      ...schemaIssues(TestRunSchema, object, id),
      ...labelIssues(object?.metadata?.labels, '/metadata/labels').map((issue) => ({ object: id, ...issue })),
      ...labelIssues(object?.spec?.runner?.metadata?.labels, '/spec/runner/metadata/labels').map((issue) => ({ object: id, ...issue })),
    ];
  });
}

/** Validates a Compose file against the part of the 3.8 format `docker stack deploy` reads (compose-schema.ts). */
export function validateCompose(compose: unknown): ManifestIssue[] {
  return schemaIssues(ComposeFileSchema, compose, 'compose');
}
