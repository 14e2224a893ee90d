// From a JSON pointer in a bundled description back to the file and line it came from. The bundle
// and its source are walked side by side from their roots: where the source has a `$ref` to
// another file (`../components/schemas/ChatResponse.yaml`) the walk goes into that file, and where
// the bundle has the `$ref` Redocly made of it (`#/components/schemas/ChatResponse`) the target's
// pointer is tied to that file. Positions come from `yaml`'s parse (JSON is YAML, so a bundle file
// maps onto itself the same way). What a decorator added (no source) gets its parent's line.
import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { pointerSegment, valueAt, type Obj } from '../description/pointer.js';
import type { SourceLocation } from './findings.js';

interface SourceFile {
  doc: Document.Parsed;
  lines: LineCounter;
}

/** A place in a source file: the node there (null when the source has none) and the line to show. */
interface Spot {
  file: string;
  node: Node | null;
  line: number;
}

function segments(pointer: string): string[] {
  return pointer
    .replace(/^#?\/?/, '')
    .split('/')
    .filter((s) => s !== '')
    .map((raw) => decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** One spelling per pointer: `#/a/b`, segments escaped as RFC 6901 says and not percent-encoded. */
function normalized(pointer: string): string {
  const parts = segments(pointer);
  return parts.length === 0 ? '#' : `#/${parts.map(pointerSegment).join('/')}`;
}

export class SourceMap {
  private readonly files = new Map<string, SourceFile>();
  private readonly spots = new Map<string, Spot>();

  /**
   * @param bundle the bundled document (as parsed)
   * @param root the file it was bundled from, or the bundle file itself
   * @param display how a file is shown in a finding (default: as it is)
   */
  constructor(
    private readonly bundle: unknown,
    root: string,
    private readonly display: (file: string) => string = (file) => file,
  ) {
    const file = resolvePath(root);
    this.walk(bundle, '#', { file, node: this.file(file).doc.contents as Node | null, line: 1 });
  }

  locate(pointer: string): SourceLocation | undefined {
    // What has no place of its own (added by a decorator) is shown at its nearest ancestor.
    for (let parts = segments(pointer); ; parts = parts.slice(0, -1)) {
      const spot = this.spots.get(normalized(`#/${parts.map(pointerSegment).join('/')}`));
      if (spot) return { file: this.display(spot.file), line: spot.line };
      if (parts.length === 0) return undefined;
    }
  }

  private file(path: string): SourceFile {
    let found = this.files.get(path);
    if (!found) {
      const lines = new LineCounter();
      found = { doc: parseDocument(readFileSync(path, 'utf8'), { lineCounter: lines }), lines };
      this.files.set(path, found);
    }
    return found;
  }

  private lineOf(file: string, offset: number | undefined): number {
    return offset === undefined ? 1 : this.file(file).lines.linePos(offset).line;
  }

  /** The child `key` of a source node: the entry's key line for a map, the item's line for a sequence. */
  private child(spot: Spot, key: string): Spot {
    const { node } = spot;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
      if (pair) return { file: spot.file, node: (pair.value as Node | null) ?? null, line: this.lineOf(spot.file, (pair.key as Node).range?.[0]) };
    } else if (isSeq(node)) {
      const item = node.items[Number(key)] as Node | undefined;
      if (item) return { file: spot.file, node: item, line: this.lineOf(spot.file, item.range?.[0]) };
    }
    return { file: spot.file, node: null, line: spot.line };
  }

  /** Where a source `$ref` leads (another file, or a fragment of one), or undefined when the node is not one. */
  private follow(spot: Spot): Spot | undefined {
    if (!isMap(spot.node)) return undefined;
    const ref = spot.node.get('$ref');
    if (typeof ref !== 'string') return undefined;
    const [path = '', fragment = ''] = ref.split('#');
    const file = path === '' ? spot.file : resolvePath(dirname(spot.file), decodeURIComponent(path));
    let target: Spot = { file, node: this.file(file).doc.contents as Node | null, line: 1 };
    for (const segment of segments(fragment)) target = this.child(target, segment);
    return target;
  }

  /** Follows source `$ref`s to the node they stand for (a chain at most 32 long). */
  private settle(spot: Spot): Spot {
    let current = spot;
    for (let hops = 0; hops < 32; hops++) {
      const next = this.follow(current);
      if (!next) return current;
      current = next;
    }
    return current;
  }

  private walk(value: unknown, pointer: string, spot: Spot): void {
    if (this.spots.has(pointer)) return;
    this.spots.set(pointer, spot);
    if (!value || typeof value !== 'object') return;
    const ref = (value as Obj).$ref;
    if (typeof ref === 'string' && ref.startsWith('#')) {
      // The bundle's reference: its target comes from where the source's reference leads.
      const target = normalized(ref);
      if (!this.spots.has(target)) this.walk(valueAt(this.bundle, ref), target, this.settle(spot));
      for (const [key, child] of Object.entries(value as Obj)) {
        if (key !== '$ref') this.walk(child, `${pointer}/${pointerSegment(key)}`, this.child(spot, key));
      }
      return;
    }
    const source = this.settle(spot);
    const entries = Array.isArray(value) ? value.map((child, index) => [String(index), child] as const) : Object.entries(value as Obj);
    for (const [key, child] of entries) this.walk(child, `${pointer}/${pointerSegment(key)}`, this.child(source, key));
  }
}
