// The proxy's HAR, written as the traffic passes rather than kept in memory: each entry goes, masked,
// as one line to `FILE.partial` beside the HAR; when the proxy stops, the lines become the HAR
// (`{"log":{…,"entries":[` + the lines + `]}}`), masked once more with every secret learned by then,
// and the partial file is removed. A proxy may run for days with --har, and a kill -9 leaves the
// lines seen so far, one HAR entry per line, readable. A HAR that cannot be written is known at start.
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { harEntry, harLog } from '../contract/engine/reporters/har.js';
import { TrafficJudge, type TrafficEntry } from './judge.js';

export class HarSpool {
  private readonly partial: string;
  private readonly lines: WriteStream;
  private failure?: Error;

  private constructor(readonly file: string) {
    this.partial = `${file}.partial`;
    this.lines = createWriteStream(this.partial, { flags: 'w' });
    // Kept, not thrown: the traffic goes on; the HAR is reported unwritable when the proxy stops.
    this.lines.on('error', (error) => (this.failure ??= error));
  }

  /** Opens the spool; throws when the file's place cannot be written (the proxy then does not start). */
  static async open(file: string): Promise<HarSpool> {
    mkdirSync(dirname(file), { recursive: true });
    const spool = new HarSpool(file);
    await new Promise<void>((resolve, reject) => {
      spool.lines.once('open', () => resolve());
      spool.lines.once('error', reject);
    });
    return spool;
  }

  add(entry: TrafficEntry): void {
    if (this.failure) return;
    this.lines.write(`${JSON.stringify(harEntry(entry.exchange, TrafficJudge.annotation(entry)))}\n`);
  }

  /** Gives up the HAR (the proxy could not start): the partial file goes. */
  discard(): void {
    this.lines.destroy();
    rmSync(this.partial, { force: true });
  }

  /** Writes the HAR from the lines, each masked by `mask` (secrets learned after it was spooled). */
  async finish(mask: (text: string) => string, creator: { name: string; version: string }): Promise<void> {
    this.lines.end();
    await finished(this.lines).catch((error: Error) => (this.failure ??= error));
    if (this.failure) throw this.failure;
    const [head, tail] = JSON.stringify(harLog([], creator)).split('"entries":[]') as [string, string];
    const writing = `${this.file}.writing`;
    const out = createWriteStream(writing);
    const written = finished(out);
    written.catch(() => undefined); // awaited below; an error while writing surfaces through `write` first
    const write = (text: string) => (out.write(text) ? undefined : once(out, 'drain'));
    await write(`${head}"entries":[`);
    let first = true;
    for await (const line of createInterface({ input: createReadStream(this.partial), crlfDelay: Infinity })) {
      if (line === '') continue;
      await write(`${first ? '\n' : ',\n'}${mask(line)}`);
      first = false;
    }
    out.end(`\n]${tail}\n`);
    await written;
    renameSync(writing, this.file);
    rmSync(this.partial, { force: true });
  }
}
