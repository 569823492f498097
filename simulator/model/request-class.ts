import { Type, type Static } from '@sinclair/typebox';
import { RouteStepSchema } from './route-step.ts';

/** A request class: one endpoint (feed.read, media.like, upload.complete...) or an async job class. */
export const RequestClassSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    rateRps: Type.Number({
      minimum: 0,
      description: 'Poisson arrival rate from the load generator. 0 for a class that only exists as spawned child jobs.',
    }),
    steps: Type.Array(RouteStepSchema, { description: 'The route, in order.' }),
    timeoutS: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description:
          'Client timeout. In the DES a request still running then is failed and its latency recorded as exactly ' +
          'timeoutS (censored); its work goes on (servers do not see the client leave).',
      }),
    ),
    maxInFlight: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: "Generator cap on this class's requests in flight; an arrival that would exceed it is unserved (counted, not queued).",
      }),
    ),
    background: Type.Boolean({
      default: false,
      description: 'Load only: simulated but left out of the per-class results (the representative-replica reduction adds such classes).',
    }),
  },
  { additionalProperties: false },
);
export type RequestClass = Static<typeof RequestClassSchema>;
