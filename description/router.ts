// Which operation of the description a request is for, by its method and path (Prism's route
// step): the path templates, most specific first. Used wherever traffic the toolkit did not make
// is judged (the proxy, recorded HARs, a replayed finding) and where a 405 must say what is allowed.
import type { OperationSpec } from './operations.js';

interface Route {
  op: OperationSpec;
  pattern: RegExp;
  names: string[];
  /** Literal characters in the template: the more, the more specific (`/a/b` before `/a/{x}`). */
  literal: number;
}

export type RouteMatch =
  | { kind: 'operation'; op: OperationSpec; segments: Record<string, string> }
  /** The path is the description's but not with this method. */
  | { kind: 'method'; allowed: OperationSpec[] }
  /** Under the API's paths, but no template matches. */
  | { kind: 'unknown' }
  /** Not the API's at all (a page, an asset): not judged. */
  | { kind: 'outside' };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class Router {
  private readonly routes: Route[];
  /** The routes of each method (lower case), in the same order. */
  private readonly byMethod = new Map<string, Route[]>();
  /** What every path template starts with before its first parameter (`/chatapi/`): the API's space. */
  readonly prefix: string;

  constructor(operations: readonly OperationSpec[]) {
    this.routes = operations
      .filter((op) => op.kind === 'path')
      .map((op) => {
        const names: string[] = [];
        const source = op.path.split(/(\{[^}]+\})/).map((part) => {
          const name = /^\{([^}]+)\}$/.exec(part)?.[1];
          if (name === undefined) return escapeRegExp(part);
          names.push(name);
          return '([^/]*)';
        });
        return { op, pattern: new RegExp(`^${source.join('')}/?$`), names, literal: op.path.replace(/\{[^}]+\}/g, '').length };
      })
      .sort((a, b) => b.literal - a.literal);
    for (const route of this.routes) {
      const same = this.byMethod.get(route.op.method) ?? this.byMethod.set(route.op.method, []).get(route.op.method)!;
      same.push(route);
    }
    const heads = operations.filter((op) => op.kind === 'path').map((op) => op.path.split('{')[0]!);
    this.prefix = heads.reduce((common, head) => {
      let i = 0;
      while (i < common.length && common[i] === head[i]) i++;
      return common.slice(0, i);
    }, heads[0] ?? '');
  }

  match(method: string, pathname: string): RouteMatch {
    if (!pathname.startsWith(this.prefix)) return { kind: 'outside' };
    // The method's own templates first, most specific first: on the usual request the first match
    // is the answer, and the other methods' patterns are never run.
    for (const route of this.byMethod.get(method.toLowerCase()) ?? []) {
      const found = route.pattern.exec(pathname);
      if (found === null) continue;
      const segments: Record<string, string> = {};
      for (let i = 0; i < route.names.length; i++) segments[route.names[i]!] = found[i + 1]!;
      return { kind: 'operation', op: route.op, segments };
    }
    const first = this.routes.find((route) => route.pattern.test(pathname));
    if (first === undefined) return { kind: 'unknown' };
    // The most specific template's operations: those of one path.
    return { kind: 'method', allowed: this.routes.filter((route) => route.op.path === first.op.path).map((route) => route.op) };
  }
}

