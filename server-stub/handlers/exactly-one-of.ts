// The description's `x-exactly-one-of`: query parameters of which a request gives exactly one, a
// relation a schema cannot state. Checked after the token, as the handler's first step.
import { Errors } from '../errors.js';

const list = (names: readonly string[]): string => (names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`);

export function exactlyOneOf(names: readonly string[]): (query: Record<string, unknown>) => void {
  const all = list(names);
  return (query) => {
    const given = names.filter((name) => query[name] !== undefined);
    if (given.length === 1) return;
    throw Errors.invalidRequest([
      given.length === 0
        ? { location: 'query', path: names[0] ?? '', message: `give exactly one of ${all} (${names.length === 2 ? 'neither' : 'none'} was given)` }
        : { location: 'query', path: given[1]!, message: `give exactly one of ${all} (${given.length === 2 && names.length === 2 ? 'both' : list(given)} were given)` },
    ]);
  };
}
