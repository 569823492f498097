import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../gate/evaluate-gate.ts';
import { latencyReport, QUIET_FACTORS } from '../testing/gate-fixtures.ts';
import { renderJUnit } from './junit.ts';
import { escapeXml } from './xml.ts';

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    const value = ENTITIES[name];
    if (value === undefined) throw new Error(`unknown entity ${whole}`);
    return value;
  });
}

/** A strict little XML parser: throws on mismatched tags, bare & or <, and unquoted attributes. */
function parseXml(xml: string): XmlElement {
  let at = 0;
  const declaration = /^<\?xml[^?]*\?>\s*/.exec(xml);
  if (declaration) at = declaration[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (at < xml.length) {
    const lt = xml.indexOf('<', at);
    const text = xml.slice(at, lt === -1 ? xml.length : lt);
    if (/&(?!(#x[0-9a-f]+|#\d+|\w+);)/i.test(text)) throw new Error(`bare & in text at ${at}`);
    if (stack.length > 0) stack[stack.length - 1]!.text += decode(text);
    else if (text.trim() !== '') throw new Error(`text outside the root at ${at}`);
    if (lt === -1) break;
    const gt = xml.indexOf('>', lt);
    if (gt === -1) throw new Error('unclosed tag');
    const tag = xml.slice(lt + 1, gt);
    at = gt + 1;
    if (tag.startsWith('/')) {
      const open = stack.pop();
      if (!open || open.name !== tag.slice(1)) throw new Error(`</${tag.slice(1)}> closes <${open?.name}>`);
      if (stack.length === 0) root = open;
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const match = /^([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*$/.exec(body);
    if (!match) throw new Error(`malformed tag <${tag}>`);
    const attributes: Record<string, string> = {};
    for (const a of match[2]!.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) attributes[a[1]!] = decode(a[2]!);
    const element: XmlElement = { name: match[1]!, attributes, children: [], text: '' };
    if (stack.length > 0) stack[stack.length - 1]!.children.push(element);
    if (selfClosing) {
      if (stack.length === 0) root = element;
    } else stack.push(element);
  }
  if (stack.length > 0 || !root) throw new Error('unclosed elements at the end');
  return root;
}

const baseline = latencyReport({ factors: QUIET_FACTORS });
const candidate = latencyReport({ factors: QUIET_FACTORS, tailExtraUs: 20_000 });
const gate = evaluateGate({
  baseline,
  candidate,
  thresholds: ['feed.read:p(99)<=+10%', '*:error_rate<0.01', 'upload.start:p(99)<100'],
});

describe('renderJUnit', () => {
  it('is well-formed XML with one testsuite per endpoint and one testcase per threshold', () => {
    const root = parseXml(renderJUnit(gate));
    expect(root.name).toBe('testsuites');
    expect(root.attributes).toMatchObject({ tests: '4', failures: '1', errors: '1' });
    expect(root.children.map((s) => [s.attributes.name, s.children.map((c) => c.attributes.name)])).toEqual([
      ['feed.read', ['feed.read:p(99)<=+10%', '*:error_rate<0.01']],
      ['media.like', ['*:error_rate<0.01']],
      ['upload.start', ['upload.start:p(99)<100']],
    ]);
  });

  it('reports a failed threshold as a failure and an inconclusive one as an error, with the reason', () => {
    const root = parseXml(renderJUnit(gate));
    const failure = root.children[0]!.children[0]!.children[0]!;
    expect(failure.name).toBe('failure');
    expect(failure.attributes.type).toBe('RPT_ERR_GATE_FAILED');
    expect(failure.attributes.message).toMatch(/^failed: 95% CI of candidate\/baseline \[1\.\d+x, 1\.\d+x\] \(unpaired Welch t, 5 \+ 5 repeats\) is beyond <= 1\.100x/);
    expect(failure.text).toContain('baseline: ');
    expect(failure.text).toContain('Unpaired: baseline and candidate come from two reports');
    const error = root.children[2]!.children[0]!.children[0]!;
    expect(error.name).toBe('error');
    expect(error.attributes.type).toBe('RPT_ERR_INCONCLUSIVE');
    expect(root.children[1]!.children[0]!.children[0]!.name).toBe('system-out');
  });

  it('escapes markup, quotes and control characters in names and messages', () => {
    const hostile = { ...gate, evaluations: [{ ...gate.evaluations[0]!, endpoint: 'a<b>&"c\'', expression: 'x"<y>:p(99)<1', reason: 'bad \u0001 byte & <tag>' }] };
    const xml = renderJUnit(hostile);
    const root = parseXml(xml);
    expect(root.children[0]!.attributes.name).toBe('a<b>&"c\'');
    expect(root.children[0]!.children[0]!.attributes.name).toBe('x"<y>:p(99)<1');
    expect(root.children[0]!.children[0]!.children[0]!.attributes.message).toContain('bad \uFFFD byte & <tag>');
    expect(xml).not.toContain('\u0001');
  });
});

describe('escapeXml', () => {
  it('escapes the five XML special characters', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});
