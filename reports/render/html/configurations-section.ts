import type { Report } from '../../report-schema.ts';
import { escapeHtml } from '../svg.ts';

/** Each configuration's stack as JSON, folded away. */
export function configurationsSection(report: Report): string {
  const items = report.configurations.map((c) => {
    let stack: string;
    try {
      stack = JSON.stringify(c.stack, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) ?? 'null';
    } catch {
      stack = String(c.stack);
    }
    return `<details><summary><strong>${escapeHtml(c.name)}</strong>${c.description ? ` – ${escapeHtml(c.description)}` : ''}</summary><pre>${escapeHtml(stack)}</pre></details>`;
  });
  return `<section><h2>Configurations</h2>${items.join('')}</section>`;
}
