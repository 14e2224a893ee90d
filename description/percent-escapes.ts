// Where a request URL breaks percent-decoding (`%E0%A4%A`, a truncated UTF-8 sequence): the stub
// answers such requests with a 400 that says where, and the mock's guard keeps them from Prism.

/** Whether a text percent-decodes (no malformed escape in it). */
export function decodes(text: string): boolean {
  return decodedOrUndefined(text) !== undefined;
}

/** The text percent-decoded, or undefined when an escape in it is malformed. */
export function decodedOrUndefined(text: string): string | undefined {
  // Only a `%` starts an escape: most texts have none, and nothing to decode.
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

export interface MalformedPart {
  location: 'path' | 'query';
  /** The path segment, or the query parameter's name. */
  name: string;
  /** The text that does not decode (the segment, or `name=value`). */
  text: string;
}

/** The first part of a request URL (path and query, as sent) that does not percent-decode. */
export function malformedPart(url: string): MalformedPart | undefined {
  // Only a `%` starts an escape: most URLs have none, and nothing to check.
  if (!url.includes('%')) return undefined;
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const segment = path.split('/').find((s) => !decodes(s));
  if (segment !== undefined) return { location: 'path', name: segment, text: segment };
  if (mark < 0) return undefined;
  for (const pair of url.slice(mark + 1).split('&')) {
    const [name = '', value = ''] = pair.split('=', 2);
    // `+` is a space in a query string (forms, URLSearchParams), not an escape.
    const nameOk = decodes(name.replace(/\+/g, ' '));
    if (!nameOk || !decodes(value.replace(/\+/g, ' '))) return { location: 'query', name: nameOk ? decodeURIComponent(name.replace(/\+/g, ' ')) : name, text: pair };
  }
  return undefined;
}
