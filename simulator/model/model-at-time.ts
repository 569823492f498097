import type { RouteStep } from './route-step.ts';
import type { SimulationModel } from './simulation-model.ts';

/**
 * The model as it stands at time `atS`: every schedule event with atS <= the given time applied
 * (in time order, ties in list order), the schedule emptied. The analytical solver, which knows
 * no time, uses it to predict one moment of a time-varying run.
 */
export function modelAtTime(model: SimulationModel, atS: number): SimulationModel {
  const events = model.schedule
    .map((event, order) => ({ event, order }))
    .filter(({ event }) => event.atS <= atS)
    .sort((a, b) => a.event.atS - b.event.atS || a.order - b.order);
  const rates = new Map<string, number>();
  const branches = new Map<string, readonly number[]>();
  for (const { event } of events) {
    if (event.kind === 'set-rate') rates.set(event.classId, event.rateRps);
    else branches.set(`${event.classId}\u0000${event.branchId}`, event.probabilities);
  }
  return {
    ...model,
    schedule: [],
    classes: model.classes.map((c) => ({
      ...c,
      rateRps: rates.get(c.id) ?? c.rateRps,
      steps: c.steps.map((step): RouteStep => {
        const probabilities = step.kind === 'branch' ? branches.get(`${c.id}\u0000${step.id}`) : undefined;
        if (step.kind !== 'branch' || !probabilities) return step;
        return { ...step, arms: step.arms.map((arm, i) => ({ ...arm, probability: probabilities[i] ?? 0 })) };
      }),
    })),
  };
}

/**
 * The same model with every class's arrival rate (and every set-rate event) multiplied by
 * `factor`: the class mix kept, the total load scaled. Spawned child jobs follow their parents.
 */
export function scaleModelRates(model: SimulationModel, factor: number): SimulationModel {
  if (!Number.isFinite(factor) || factor < 0) throw new RangeError(`factor must be a finite number >= 0, got ${factor}`);
  return {
    ...model,
    classes: model.classes.map((c) => ({ ...c, rateRps: c.rateRps * factor })),
    schedule: model.schedule.map((e) => (e.kind === 'set-rate' ? { ...e, rateRps: e.rateRps * factor } : e)),
  };
}
