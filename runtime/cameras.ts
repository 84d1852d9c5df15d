/**
 * The rig's cameras and their field order, left to right along the sideline. This is the one
 * place that names them: the config schema, the rig membership, the sorting of the rig view and
 * the file routes all read it here (the dashboard receives the order from the server).
 */
export const CAMERA_IDS = ['CAM_L', 'CAM_C', 'CAM_R'] as const;
export type CameraIdName = (typeof CAMERA_IDS)[number];

export function isCameraId(value: string): value is CameraIdName {
  return (CAMERA_IDS as readonly string[]).includes(value);
}

/** Sorts camera ids in field order; unknown ids go last, by name. */
export function fieldOrder(a: string, b: string): number {
  const rank = (id: string): number => {
    const i = (CAMERA_IDS as readonly string[]).indexOf(id);
    return i < 0 ? CAMERA_IDS.length : i;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}
