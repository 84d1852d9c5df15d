import test from 'ava';
import { StatusBoard } from '../../../runtime/status.js';
import { RecorderWarnings } from '../../../actors/recorder/warnings.js';
import { blankStatus } from '../../helpers/app.js';

test('one warning per code, kept beside other sources\' warnings, cleared by code', (t) => {
  const board = new StatusBoard(blankStatus());
  board.setWarnings('housekeeper', [{ code: 'DISK_LOW', message: 'disk' }]);
  const w = new RecorderWarnings(board);
  w.set('RESERVE_FAILED', 'no reserve');
  w.set('ENCODER_SLOW', '12 fps of 30');
  w.set('ENCODER_SLOW', '11 fps of 30');
  t.deepEqual(board.snapshot().warnings.map((x) => `${x.code}: ${x.message}`).sort(), ['DISK_LOW: disk', 'ENCODER_SLOW: 11 fps of 30', 'RESERVE_FAILED: no reserve']);
  w.clear('ENCODER_SLOW', 'NOT_THERE');
  t.deepEqual(board.snapshot().warnings.map((x) => x.code).sort(), ['DISK_LOW', 'RESERVE_FAILED']);
  t.true(w.has('RESERVE_FAILED'));
  t.false(w.has('ENCODER_SLOW'));
});
