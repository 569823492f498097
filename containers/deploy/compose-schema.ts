import { Type, type Static } from '@sinclair/typebox';

/**
 * The part of the Compose file format (version 3.8, as `docker stack deploy` reads it) that
 * feedscale writes, with its rules: field names and types after docker/cli's
 * config_schema_v3.8.json, which docker.io 20.10 and Docker 26-28 accept. Strict
 * (additionalProperties: false), as that schema is for services: a field outside it is
 * refused by `docker stack deploy`, and so by this schema.
 *
 * Two limits of the format shape compose.ts: a long-syntax port has no host_ip (and the
 * short "127.0.0.1:8080:80" form is accepted but its address dropped with a warning: Swarm
 * publishes on every address of the node); and a service's `tmpfs:` key is read but never
 * applied to Swarm tasks, so tmpfs goes through `volumes: [{type: tmpfs}]`.
 */

const NAME = '^[a-zA-Z0-9._-]+$';
const Name = Type.String({ pattern: NAME });
const Labels = Type.Record(Type.String({ pattern: '^.+$' }), Type.String(), { additionalProperties: false });
/** Go duration strings as Compose reads them: "2s", "1m30s". */
const Duration = Type.String({ pattern: '^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$' });
const Port = Type.Integer({ minimum: 1, maximum: 65_535 });

export const ComposePortSchema = Type.Object(
  {
    target: Port,
    published: Port,
    protocol: Type.Literal('tcp'),
    /** host: bound on the node that runs the task; the ingress routing mesh is not used. */
    mode: Type.Literal('host'),
  },
  { additionalProperties: false },
);

export const ComposeServiceSchema = Type.Object(
  {
    image: Type.String({ minLength: 1 }),
    entrypoint: Type.Optional(Type.Array(Type.String())),
    command: Type.Optional(Type.Array(Type.String())),
    environment: Type.Optional(Type.Record(Type.String({ pattern: '^[^=]+$' }), Type.String(), { additionalProperties: false })),
    user: Type.Optional(Type.String({ minLength: 1 })),
    cap_add: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Z_]+$' }))),
    /** Container labels (what `feedscale down` and `docker ps --filter label=` see). */
    labels: Labels,
    configs: Type.Optional(
      Type.Array(
        Type.Object(
          { source: Name, target: Type.String({ pattern: '^/' }), uid: Type.Optional(Type.String()), gid: Type.Optional(Type.String()), mode: Type.Integer({ minimum: 0, maximum: 0o7777 }) },
          { additionalProperties: false },
        ),
      ),
    ),
    volumes: Type.Optional(
      Type.Array(
        Type.Object(
          {
            type: Type.Literal('tmpfs'),
            target: Type.String({ pattern: '^/' }),
            tmpfs: Type.Optional(Type.Object({ size: Type.Integer({ minimum: 0 }) }, { additionalProperties: false })),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    ports: Type.Optional(Type.Array(ComposePortSchema)),
    healthcheck: Type.Optional(
      Type.Object(
        {
          test: Type.Array(Type.String(), { minItems: 2 }),
          interval: Duration,
          timeout: Duration,
          retries: Type.Integer({ minimum: 1 }),
          start_period: Duration,
        },
        { additionalProperties: false },
      ),
    ),
    networks: Type.Record(Type.String({ pattern: NAME }), Type.Object({ aliases: Type.Array(Type.String(), { uniqueItems: true }) }, { additionalProperties: false }), {
      additionalProperties: false,
    }),
    deploy: Type.Object(
      {
        mode: Type.Literal('replicated'),
        replicas: Type.Integer({ minimum: 0 }),
        /** dnsrr: the name resolves to the task itself, as a Docker network alias does (no IPVS virtual IP). */
        endpoint_mode: Type.Union([Type.Literal('vip'), Type.Literal('dnsrr')]),
        labels: Labels,
        resources: Type.Optional(
          Type.Object(
            {
              limits: Type.Optional(Type.Object({ cpus: Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$' }) }, { additionalProperties: false })),
              reservations: Type.Optional(Type.Object({ cpus: Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$' }) }, { additionalProperties: false })),
            },
            { additionalProperties: false },
          ),
        ),
        placement: Type.Object({ constraints: Type.Array(Type.String({ pattern: '^node\\.labels\\.[a-z0-9._-]+ == [a-z0-9._-]+$' })) }, { additionalProperties: false }),
        restart_policy: Type.Object({ condition: Type.Union([Type.Literal('none'), Type.Literal('on-failure'), Type.Literal('any')]) }, { additionalProperties: false }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type ComposeService = Static<typeof ComposeServiceSchema>;

export const ComposeFileSchema = Type.Object(
  {
    version: Type.Literal('3.8'),
    services: Type.Record(Type.String({ pattern: NAME }), ComposeServiceSchema, { additionalProperties: false }),
    networks: Type.Record(
      Type.String({ pattern: NAME }),
      Type.Object({ driver: Type.Literal('overlay'), attachable: Type.Boolean(), labels: Labels }, { additionalProperties: false }),
      { additionalProperties: false },
    ),
    configs: Type.Record(
      Type.String({ pattern: NAME }),
      Type.Object({ file: Type.String({ minLength: 1 }), labels: Labels }, { additionalProperties: false }),
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type ComposeFile = Static<typeof ComposeFileSchema>;
