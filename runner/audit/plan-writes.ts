import type { Plan } from '../../scenarios/plans/plan-schema.ts';

/** The audit lines a plan's writes give, by the endpoint that makes them (upload.start stands for the whole upload flow). */
const AUDITED_BY_ENDPOINT = {
  'user.create': ['user.create'],
  'follow.create': ['follow.create'],
  'media.like': ['media.like'],
  'upload.start': ['upload.complete', 'feed.fan-out'],
} as const;

/** The write types a plan's audit reports (a line each, even with nothing acknowledged); empty for a plan that does not write. */
export function auditedTypes(plan: Pick<Plan, 'mix'>): string[] {
  return (Object.keys(AUDITED_BY_ENDPOINT) as Array<keyof typeof AUDITED_BY_ENDPOINT>).filter((e) => (plan.mix[e] ?? 0) > 0).flatMap((e) => [...AUDITED_BY_ENDPOINT[e]]);
}

/** Whether a plan writes: the audit runs after every run of such a plan. */
export function planWrites(plan: Pick<Plan, 'mix'>): boolean {
  return auditedTypes(plan).length > 0;
}
