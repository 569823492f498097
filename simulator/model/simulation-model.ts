import { Type, type Static } from '@sinclair/typebox';
import { HostSchema } from './host.ts';
import { PoolSchema } from './pool.ts';
import { RequestClassSchema } from './request-class.ts';
import { ScheduleEventSchema } from './schedule.ts';
import { StationSchema } from './station.ts';

/**
 * The model of a stack under load: hosts, stations on them, token pools, request classes with
 * their routes and Poisson rates, and a schedule of parameter changes. Solvers are pure functions
 * of it (analytical/open-network.ts, analytical/closed-network.ts, des/simulate.ts).
 */
export const SimulationModelSchema = Type.Object(
  {
    hosts: Type.Array(HostSchema, { minItems: 1 }),
    stations: Type.Array(StationSchema, { minItems: 1 }),
    pools: Type.Array(PoolSchema, { default: [] }),
    classes: Type.Array(RequestClassSchema, { minItems: 1 }),
    schedule: Type.Array(ScheduleEventSchema, { default: [], description: 'Parameter changes, applied in time order (ties in list order).' }),
  },
  { additionalProperties: false },
);
export type SimulationModel = Static<typeof SimulationModelSchema>;
