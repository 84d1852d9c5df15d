import test from 'ava';
import { CAMERA_IDS, fieldOrder, isCameraId } from '../../runtime/cameras.js';

test('field order is left to right, unknown ids last by name', (t) => {
  t.deepEqual(['X_2', 'CAM_R', 'X_1', 'CAM_L', 'CAM_C'].sort(fieldOrder), ['CAM_L', 'CAM_C', 'CAM_R', 'X_1', 'X_2']);
  t.deepEqual([...CAMERA_IDS], ['CAM_L', 'CAM_C', 'CAM_R']);
  t.true(isCameraId('CAM_C'));
  t.false(isCameraId('cam_c'));
});
