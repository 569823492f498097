import { formatValue, type GateResult, type ThresholdEvaluation } from '../gate/evaluate-gate.ts';

const STATUS_LABEL: Record<ThresholdEvaluation['status'], string> = { passed: 'pass', failed: 'FAIL', inconclusive: 'inconclusive' };

/** The gate verdict as markdown (CI job summary): one table row per threshold x endpoint. */
export function renderGateMarkdown(result: GateResult): string {
  const versus = result.baseline ? ` vs baseline ${code(result.baseline.configuration)}${commit(result.baseline.gitCommit)}` : '';
  const lines = [
    `# feedscale gate: ${result.verdict.toUpperCase()}`,
    '',
    `Candidate ${code(result.candidate.configuration)}${commit(result.candidate.gitCommit)}${versus}; plan ${code(result.candidate.plan)}; ` +
      `${Math.round(result.confidence * 100)}% bootstrap CIs over repeats, seed ${result.seed}. Exit code ${result.exitCode}${result.errorCode ? ` (${result.errorCode})` : ''}.`,
    '',
    '| threshold | endpoint | status | observed | limit | CI | reason |',
    '| --- | --- | --- | ---: | ---: | --- | --- |',
  ];
  for (const e of result.evaluations) {
    const v = (x: number | null) => (x === null ? 'n/a' : formatValue(x, e.unit));
    const ci = e.ci ? `[${v(e.ci.low)}, ${v(e.ci.high)}]` : 'n/a';
    lines.push(`| ${[code(e.expression), escape(e.endpoint), STATUS_LABEL[e.status], v(e.observed), v(e.limit), ci, escape(e.reason)].join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

function commit(gitCommit: string | undefined): string {
  return gitCommit ? ` (${gitCommit.slice(0, 12)})` : '';
}

function code(text: string): string {
  return `\`${text.replaceAll('`', "'").replaceAll('|', '\\|')}\``;
}

function escape(text: string): string {
  return text.replace(/[\\`*_<>[\]|]/g, (ch) => `\\${ch}`);
}
