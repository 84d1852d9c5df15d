import test from 'ava';
import { Serial } from '../../runtime/serial.js';

test('tasks run one at a time in the order given, a failure fails only its own caller', async (t) => {
  const serial = new Serial();
  const seen: string[] = [];
  let running = 0;
  const task = (name: string, fail = false) => async () => {
    running++;
    t.is(running, 1, 'never two at once');
    await new Promise((r) => setImmediate(r));
    seen.push(name);
    running--;
    if (fail) throw new Error(name);
    return name;
  };
  const a = serial.run(task('a'));
  const b = serial.run(task('b', true));
  const c = serial.run(task('c'));
  t.is(await a, 'a');
  await t.throwsAsync(b, { message: 'b' });
  t.is(await c, 'c');
  await serial.idle();
  t.deepEqual(seen, ['a', 'b', 'c']);
});
