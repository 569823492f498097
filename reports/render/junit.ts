import type { GateResult, ThresholdEvaluation } from '../gate/evaluate-gate.ts';
import { formatValue } from '../gate/evaluate-gate.ts';
import { pairingSentence } from './gate-markdown.ts';
import { escapeXml, xmlAttributes } from './xml.ts';

/**
 * The gate as JUnit XML, for CI systems that show test reports: one <testsuite> per endpoint,
 * one <testcase> per threshold applied to it. A failed threshold is a <failure>
 * (RPT_ERR_GATE_FAILED); an inconclusive one is an <error> (RPT_ERR_INCONCLUSIVE): it is not a
 * pass, and it is not the code's fault either. Times are 0: the gate judges, it measures nothing.
 */
export function renderJUnit(result: GateResult): string {
  const endpoints = [...new Set(result.evaluations.map((e) => e.endpoint))];
  const count = (list: readonly ThresholdEvaluation[], status: ThresholdEvaluation['status']) => list.filter((e) => e.status === status).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${xmlAttributes([
      ['name', `feedscale gate: ${result.candidate.configuration}${result.baseline ? ` vs ${result.baseline.configuration}${result.pairing === 'unpaired' ? ' (unpaired)' : ' (paired)'}` : ''}`],
      ['tests', result.evaluations.length],
      ['failures', count(result.evaluations, 'failed')],
      ['errors', count(result.evaluations, 'inconclusive')],
      ['time', 0],
    ])}>`,
  ];
  for (const endpoint of endpoints) {
    const cases = result.evaluations.filter((e) => e.endpoint === endpoint);
    lines.push(
      `  <testsuite${xmlAttributes([
        ['name', endpoint],
        ['tests', cases.length],
        ['failures', count(cases, 'failed')],
        ['errors', count(cases, 'inconclusive')],
        ['skipped', 0],
        ['time', 0],
      ])}>`,
    );
    for (const e of cases) lines.push(...testcase(e, pairingSentence(result)));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

function testcase(e: ThresholdEvaluation, pairing: string): string[] {
  const open = `    <testcase${xmlAttributes([
    ['classname', `feedscale.gate.${e.endpoint}`],
    ['name', e.expression],
    ['time', 0],
  ])}`;
  const detail = details(e, pairing);
  if (e.status === 'passed') return [`${open}>`, `      <system-out>${escapeXml(detail)}</system-out>`, '    </testcase>'];
  const tag = e.status === 'failed' ? 'failure' : 'error';
  const type = e.status === 'failed' ? 'RPT_ERR_GATE_FAILED' : 'RPT_ERR_INCONCLUSIVE';
  return [`${open}>`, `      <${tag}${xmlAttributes([['message', `${e.status}: ${e.reason}`], ['type', type]])}>${escapeXml(detail)}</${tag}>`, '    </testcase>'];
}

function details(e: ThresholdEvaluation, pairing: string): string {
  const value = (v: number | null, unit: ThresholdEvaluation['unit']) => (v === null ? 'n/a' : formatValue(v, unit));
  const lines = [
    `${e.expression} on ${e.endpoint}: ${e.status}`,
    `observed: ${value(e.observed, e.unit)}; limit: ${value(e.limit, e.unit)}`,
    `CI: ${e.ci ? `[${value(e.ci.low, e.unit)}, ${value(e.ci.high, e.unit)}] (${e.methodText})` : 'unavailable'}`,
  ];
  if (e.kind === 'relative') {
    lines.push(`baseline: ${value(e.baselineValue, e.valueUnit)} over ${e.repeatsBaseline} healthy repeats; candidate: ${value(e.candidateValue, e.valueUnit)} over ${e.repeatsCandidate} healthy repeats`);
    lines.push(pairing);
  } else lines.push(`candidate: ${e.repeatsCandidate} healthy repeats`);
  if (e.excluded.length > 0) lines.push(`left out: ${e.excluded.join('; ')}`);
  lines.push(`reason: ${e.reason}`);
  return lines.join('\n');
}
