// JSON pointers into the description (RFC 6901), the one resolver every part uses: `#/components/…`
// (a URI fragment, as in `$ref`, percent-decoded) or a plain `/a/0` (as in Ajv's instancePath).
export type Obj = Record<string, unknown>;

/** Escapes one JSON-pointer segment. */
export function pointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The value at a pointer, or undefined when nothing is there. */
export function valueAt(root: unknown, pointer: string): unknown {
  const fragment = pointer.startsWith('#');
  let target: unknown = root;
  for (const raw of pointer.replace(/^#?\/?/, '').split('/')) {
    if (raw === '') continue;
    const segment = (fragment ? decodeURIComponent(raw) : raw).replace(/~1/g, '/').replace(/~0/g, '~');
    target = (target as Obj | undefined)?.[segment];
  }
  return target;
}

/** Follows local `$ref`s (`#/...`) and returns the target with the pointer it was found at. */
export function resolve(root: unknown, node: unknown, at: string): { value: Obj; pointer: string } {
  let value = node as Obj;
  let pointer = at;
  for (let hops = 0; typeof value?.$ref === 'string'; hops++) {
    if (hops > 32) throw new Error(`$ref cycle at ${at}`);
    pointer = value.$ref as string;
    value = valueAt(root, pointer) as Obj;
    if (value === undefined) throw new Error(`Unresolvable $ref ${pointer} (at ${at})`);
  }
  return { value, pointer };
}

/** A schema's pointer: its `$ref` when it is one (names the component), else where it sits. */
export function schemaPointer(schema: unknown, at: string): string {
  const ref = (schema as Obj | undefined)?.$ref;
  return typeof ref === 'string' ? ref : at;
}
