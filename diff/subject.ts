// Names the thing a JSON pointer designates, for messages: `ChatResponse.data.replies[]` for a
// component schema, `POST /chatapi/{token} request body` for an inline one. Derived from the pointer
// alone (and the document, for parameter names), so that a finding reads the same from whichever
// operation the walk reached it.
import { HTTP_METHODS } from '../description/operations.js';
import { valueAt, type Obj } from '../description/pointer.js';

function segmentsOf(pointer: string): string[] {
  return pointer
    .replace(/^#?\//, '')
    .split('/')
    .map((raw) => decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~'));
}

const SCHEMA_STEPS: Record<string, (next: string | undefined) => [string, number]> = {
  properties: (name) => [`.${name}`, 2],
  items: () => ['[]', 1],
  additionalProperties: () => ['.*', 1],
  oneOf: (index) => [` (oneOf ${index})`, 2],
  anyOf: (index) => [` (anyOf ${index})`, 2],
  allOf: () => ['', 2],
};

export function subjectOf(doc: unknown, pointer: string): string {
  const segments = segmentsOf(pointer);
  let text = '';
  let i = 0;
  const take = () => segments[i++];
  const head = take();
  if (head === 'components') {
    const kind = take();
    const name = take() ?? '';
    text = kind === 'schemas' ? name : `${kind?.replace(/s$/, '')} ${name}`;
  } else if (head === 'paths' || head === 'webhooks') {
    const name = take() ?? '';
    const method = HTTP_METHODS.includes(segments[i] as never) ? take()! : '';
    text = head === 'paths' ? `${method.toUpperCase()} ${name}` : `webhook ${name}${method === 'post' || method === '' ? '' : ` ${method}`}`;
  } else return pointer;

  let container = pointer.startsWith('#') ? '#' : '';
  container += '/' + segments.slice(0, i).map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  while (i < segments.length) {
    const segment = segments[i]!;
    const step = SCHEMA_STEPS[segment];
    if (step && text !== '') {
      const [piece, width] = step(segments[i + 1]);
      text += piece;
      i += width;
    } else if (segment === 'parameters') {
      const index = segments[i + 1] ?? '';
      const parameter = valueAt(doc, `${container}/parameters/${index}`) as Obj | undefined;
      text += ` parameter ${typeof parameter?.name === 'string' ? `\`${parameter.name}\`` : index}`;
      i += 2;
    } else if (segment === 'requestBody') {
      text += head === 'webhooks' ? ' payload' : ' request body';
      i += 1;
    } else if (segment === 'responses') {
      text += ` response ${segments[i + 1] ?? ''}`;
      i += 2;
    } else if (segment === 'headers') {
      text += ` header \`${segments[i + 1] ?? ''}\``;
      i += 2;
    } else if (segment === 'content') {
      text += ` (${segments[i + 1] ?? ''})`;
      i += 2;
    } else i += 1; // schema, type, enum, required…: the keyword itself is said by the message
  }
  return text.trim();
}
