// The proxy judges what it passed on after the loop turn's answers went out: in the order the
// exchanges ended, each once, and one judge that throws costs only its own exchange's verdict.
import { describe, expect, it } from 'vitest';
import { JudgingQueue } from '../../traffic/judging-queue.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('JudgingQueue', () => {
  it('runs the tasks of a turn after it, in order, each once', async () => {
    const done: number[] = [];
    const queue = new JudgingQueue((error) => {
      throw error;
    });
    queue.later(() => done.push(1));
    queue.later(() => done.push(2));
    expect(done).toEqual([]);
    await turn();
    expect(done).toEqual([1, 2]);
    queue.later(() => done.push(3));
    await turn();
    await turn();
    expect(done).toEqual([1, 2, 3]);
  });

  it('reports a task that throws and goes on with the others', async () => {
    const done: string[] = [];
    const errors: string[] = [];
    const queue = new JudgingQueue((error) => errors.push(error.message));
    queue.later(() => done.push('a'));
    queue.later(() => {
      throw new Error('a judge broke');
    });
    queue.later(() => done.push('c'));
    await turn();
    expect(done).toEqual(['a', 'c']);
    expect(errors).toEqual(['a judge broke']);
  });

  it('flush judges what waits at once, and the turn that follows finds nothing left', async () => {
    const done: number[] = [];
    const queue = new JudgingQueue((error) => {
      throw error;
    });
    queue.later(() => done.push(1));
    queue.flush();
    expect(done).toEqual([1]);
    await turn();
    expect(done).toEqual([1]);
  });
});
