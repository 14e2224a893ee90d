// Recorded traffic read back from HAR files: their entries in the order they happened, each either
// the app's exchange with the service or a webhook delivery (the proxy marks those). `verify-har`
// and `evidence` read recorded traffic the same way.
import { readFileSync } from 'node:fs';
import { HarError, parseHar, type HarEntry } from '../contract/engine/reporters/har.js';

/** Every entry of the files, in file order; an unreadable file is a `HarError` naming it. */
export function readHarEntries(files: readonly string[]): HarEntry[] {
  const entries: HarEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new HarError(`cannot read ${file}: ${(error as Error).message}`);
    }
    entries.push(...parseHar(text, file).log.entries);
  }
  return entries;
}

/** In the order they happened: a delivery comes after the async send that promised it. */
export function chronological(entries: readonly HarEntry[]): HarEntry[] {
  return [...entries].sort((a, b) => Date.parse(a.startedDateTime) - Date.parse(b.startedDateTime));
}

/** Whether an entry is a webhook delivery the proxy recorded (its own mark), rather than the app's traffic. */
export function isDelivery(entry: HarEntry): boolean {
  return entry._chatapi?.direction === 'webhook';
}
