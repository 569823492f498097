/** The page's only CSS, inlined in <style>: system fonts, nothing fetched; a print layout. */
export const STYLESHEET = `
:root { --ink: #1d2330; --muted: #5b6474; --rule: #d9dde5; --band: #f4f6f9; --pass: #1a7f37; --fail: #b00020; --warn: #9a6700; }
* { box-sizing: border-box; }
html { background: #fff; color: var(--ink); }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 32px 24px 48px; }
header { border-bottom: 2px solid var(--ink); padding-bottom: 16px; margin-bottom: 8px; }
.kicker { margin: 0; text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--muted); font-weight: 600; }
h1 { margin: 2px 0 12px; font-size: 30px; line-height: 1.2; }
h2 { font-size: 21px; margin: 36px 0 12px; padding-top: 12px; border-top: 1px solid var(--rule); display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
h3 { font-size: 16px; margin: 24px 0 8px; }
.meta { display: grid; grid-template-columns: repeat(auto-fit, minmax(400px, 1fr)); gap: 4px 24px; margin: 0; }
.meta div { display: flex; gap: 8px; }
.meta dt { color: var(--muted); min-width: 104px; font-size: 13px; padding-top: 1px; }
.meta dd { margin: 0; font-size: 14px; overflow-wrap: anywhere; }
.lede, .note, figcaption { color: var(--muted); font-size: 13px; }
.lede { margin: 12px 0 0; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; font-variant-numeric: tabular-nums; margin: 8px 0; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; border-bottom: 1.5px solid var(--ink); padding: 6px 8px; vertical-align: bottom; }
td { padding: 5px 8px; border-bottom: 1px solid var(--rule); vertical-align: top; }
.n { text-align: right; white-space: nowrap; }
td.name { white-space: nowrap; }
td.reason { color: var(--muted); font-size: 12.5px; }
.ci { color: var(--muted); font-size: 12px; }
.scroll { overflow-x: auto; }
td code { white-space: nowrap; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.badge { display: inline-block; font-size: 12px; font-weight: 600; padding: 2px 9px; border-radius: 999px; border: 1px solid currentColor; letter-spacing: .02em; white-space: nowrap; }
.badge.passed { color: var(--pass); background: #e9f6ec; }
.badge.failed { color: var(--fail); background: #fdecee; }
.badge.inconclusive { color: var(--warn); background: #fff5db; }
.why { font-size: 13px; font-weight: 400; color: var(--muted); }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; background: var(--c); margin-right: 7px; vertical-align: baseline; }
.swatch.dashed { border-radius: 0; height: 0; width: 18px; background: none; border-top: 2px dashed var(--c); vertical-align: middle; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 0; margin: 4px 0 6px; font-size: 13px; }
figure { margin: 12px 0 16px; }
svg.chart { display: block; max-width: 100%; height: auto; font-family: inherit; }
svg .axis { stroke: var(--ink); stroke-width: 1; }
svg .grid { stroke: #e6e9ef; stroke-width: 1; }
svg .band { fill: var(--band); }
svg .tick { font-size: 11.5px; fill: var(--muted); font-variant-numeric: tabular-nums; }
svg .axis-label { font-size: 12.5px; fill: var(--ink); }
svg .band-label { font-size: 13px; font-weight: 600; fill: var(--ink); }
svg .value { font-size: 11.5px; fill: var(--ink); font-variant-numeric: tabular-nums; }
svg .whisker line { stroke-width: 1.6; }
svg .series path { fill: none; stroke-width: 2; }
svg .series.faded { opacity: .5; }
svg .slo { stroke: var(--fail); stroke-width: 1.5; stroke-dasharray: 6 4; }
svg .slo-label { font-size: 12px; fill: var(--fail); }
svg .knee { stroke-width: 1.5; stroke-dasharray: 2 3; }
svg .knee-label { font-size: 12px; font-weight: 600; }
svg .bar { fill: #0072B2; }
.meter { display: inline-block; width: 60px; height: 8px; background: var(--band); border: 1px solid var(--rule); margin-right: 6px; vertical-align: middle; }
.meter span { display: block; height: 100%; background: #009E73; }
.notes ol { padding-left: 22px; font-size: 14px; }
.why-box { border-left: 3px solid var(--ink); background: var(--band); padding: 8px 14px 6px; margin: 12px 0 16px; font-size: 13.5px; }
.why-box h4 { margin: 0 0 4px; font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.why-box .why-head { margin: 6px 0 2px; }
.why-box ol { margin: 0 0 6px; padding-left: 22px; }
.why-box li { margin: 1px 0; }
table.server tr.group td { border-top: 1.5px solid var(--muted); }
svg .repeat-tick { stroke: var(--ink); stroke-width: 1.2; opacity: .55; }
details.raw h4 { margin: 14px 0 4px; font-size: 13.5px; }
details { margin: 6px 0; }
summary { cursor: pointer; }
pre { background: var(--band); padding: 10px 12px; font-size: 12px; overflow-x: auto; border-radius: 4px; }
footer { margin-top: 40px; padding-top: 12px; border-top: 1px solid var(--rule); color: var(--muted); font-size: 12px; }
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  section, figure, table { break-inside: avoid; }
  h2 { break-after: avoid; }
  .scroll { overflow: visible; }
  details { display: block; }
  a { color: inherit; }
}
`;
