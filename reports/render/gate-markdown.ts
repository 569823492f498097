import { formatValue, type GateResult, type ThresholdEvaluation } from '../gate/evaluate-gate.ts';

/** How the gate compared its sides, in one sentence: every renderer of a gate says it. */
export function pairingSentence(result: GateResult): string {
  const intervals = `${Math.round(result.confidence * 100)}% t-intervals over healthy repeats (docs/statistics.md)`;
  switch (result.pairing) {
    case 'paired':
      return `Paired: repeat i of both configurations ran back to back in one job; ${intervals}.`;
    case 'unpaired':
      return (
        `Unpaired: baseline and candidate come from two reports, so their repeats are compared as independent samples (Welch t on logs) ` +
        `and drift between the two jobs widens every interval; ${intervals}. Run both configurations in one job and gate with ` +
        `--report report.json --baseline-config A --candidate-config B to pair them.`
      );
    case null:
      return `${intervals[0]!.toUpperCase()}${intervals.slice(1)}.`;
  }
}

const STATUS_LABEL: Record<ThresholdEvaluation['status'], string> = { passed: 'pass', failed: 'FAIL', inconclusive: 'inconclusive' };

/** The gate verdict as markdown (CI job summary): one table row per threshold x endpoint. */
export function renderGateMarkdown(result: GateResult): string {
  const versus = result.baseline ? ` vs baseline ${code(result.baseline.configuration)}${commit(result.baseline.gitCommit)}` : '';
  const lines = [
    `# feedscale gate: ${result.verdict.toUpperCase()}`,
    '',
    `Candidate ${code(result.candidate.configuration)}${commit(result.candidate.gitCommit)}${versus}; plan ${code(result.candidate.plan)}. ` +
      `Exit code ${result.exitCode}${result.errorCode ? ` (${result.errorCode})` : ''}.`,
    '',
    escape(pairingSentence(result)).replace(/^Unpaired:/, '**Unpaired:**'),
    '',
    '| threshold | endpoint | status | observed | limit | CI | interval | reason |',
    '| --- | --- | --- | ---: | ---: | --- | --- | --- |',
  ];
  for (const e of result.evaluations) {
    const v = (x: number | null) => (x === null ? 'n/a' : formatValue(x, e.unit));
    const ci = e.ci ? `[${v(e.ci.low)}, ${v(e.ci.high)}]` : 'n/a';
    lines.push(`| ${[code(e.expression), escape(e.endpoint), STATUS_LABEL[e.status], v(e.observed), v(e.limit), ci, escape(e.methodText || '-'), escape(e.reason)].join(' | ')} |`);
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
