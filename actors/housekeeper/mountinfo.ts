/**
 * Which mount a path is on, from /proc/self/mountinfo (the kernel's own view, including
 * bind mounts, unlike `df` on a path that may not exist yet). A failed NVMe mount leaves
 * /mnt/nvme/recordings as a plain directory on the SD card: the path still "works", only
 * its mount tells the difference.
 */

export interface MountEntry { mountPoint: string; fsType: string; source: string }

/** Mount points escape space, tab, newline and backslash as octal (\040). */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (f.length < 10 || dash < 6) continue;
    out.push({ mountPoint: unescape(f[4]!), fsType: f[dash + 1]!, source: unescape(f[dash + 2]!) });
  }
  return out;
}

/** The mount holding an absolute, resolved path: the longest mount point that is a prefix (last one wins on stacked mounts). */
export function mountOf(entries: MountEntry[], path: string): MountEntry | null {
  let best: MountEntry | null = null;
  for (const e of entries) {
    const inside = e.mountPoint === '/' || path === e.mountPoint || path.startsWith(`${e.mountPoint}/`);
    if (inside && (!best || e.mountPoint.length >= best.mountPoint.length)) best = e;
  }
  return best;
}

/** The whole-disk device SMART is read from: /dev/nvme0n1p2 → /dev/nvme0, /dev/sda1 → /dev/sda; SD cards and others: null. */
export function smartDevice(source: string): string | null {
  const nvme = /^(\/dev\/nvme\d+)n\d+(p\d+)?$/.exec(source);
  if (nvme) return nvme[1]!;
  const sd = /^(\/dev\/sd[a-z]+)\d*$/.exec(source);
  return sd ? sd[1]! : null;
}
