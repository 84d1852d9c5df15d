import test from 'ava';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SessionNotes } from '../../../actors/rig/session-notes.js';
import { tempDir } from '../../helpers/tmp.js';

test('a damaged notes file is skipped, reported as unreadable and warned about once; the others are listed', async (t) => {
  const dir = await tempDir(t, 'notes-');
  const warnings: Array<{ code?: string; file?: string }> = [];
  const notes = new SessionNotes(dir, { warn: (obj: object) => { warnings.push(obj); } });
  await notes.save('S-good', { home: 'Hometown FC' });
  await mkdir(join(dir, '.sessions'), { recursive: true });
  await writeFile(join(dir, '.sessions', 'S-torn.json'), '{"home": "Hal');
  await writeFile(join(dir, '.sessions', 'S-alien.json'), '{"score": "2-1"}');
  const first = await notes.list();
  t.deepEqual(first.sessions, { 'S-good': { home: 'Hometown FC' } });
  t.deepEqual(first.unreadable.map((u) => u.file).sort(), ['.sessions/S-alien.json', '.sessions/S-torn.json']);
  t.true(first.unreadable.every((u) => u.error.length > 0), 'each says why');
  await notes.list();
  t.deepEqual(warnings.map((w) => [w.code, w.file]).sort(), [
    ['SESSION_NOTES_UNREADABLE', '.sessions/S-alien.json'],
    ['SESSION_NOTES_UNREADABLE', '.sessions/S-torn.json'],
  ], 'one warning per damaged file, not one per listing');
});

test('no notes directory yet: an empty listing, nothing unreadable', async (t) => {
  const dir = await tempDir(t, 'notes-');
  const notes = new SessionNotes(dir, { warn: () => t.fail('no warning expected') });
  t.deepEqual(await notes.list(), { sessions: {}, unreadable: [] });
});
