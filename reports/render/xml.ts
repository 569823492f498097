/**
 * XML text and attribute escaping. Characters XML 1.0 cannot carry at all (most C0 controls,
 * lone surrogates, U+FFFE/U+FFFF) are replaced by U+FFFD: an error message quoting a binary
 * response must not make the whole JUnit file unreadable.
 */
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML_CHARS, '\uFFFD')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** ` name="value"` pairs, escaped, in the given order. */
export function xmlAttributes(attributes: ReadonlyArray<[name: string, value: string | number]>): string {
  return attributes.map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`).join('');
}
