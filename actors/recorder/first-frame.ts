/**
 * firstFrameAt for a camera without a shutter (v4l2), whose encoder records from spawn.
 *
 * For a live (real-time) source, frame timestamps advance with the wall clock, so every
 * progress report gives an estimate `receivedAt − out_time`, where out_time is the timestamp
 * of the last muxed frame counted from the first one. Each report arrives after its frame was
 * captured (encode + pipe + report latency), so every estimate is late by that latency and
 * never early; the minimum over the first reports is therefore the tightest bound, typically
 * within a frame or two of the true capture of frame 0. It is clamped to not precede the
 * capture start. The first estimate is provisional and tightens over `windowMs`; later reports
 * no longer move it (by then a stall or a slow encoder would only make it worse).
 *
 * A camera with a shutter (synthetic, rpicam; see shutter.ts) knows when it released its first
 * frame and never uses this.
 */
export function refineFirstFrame(
  current: number | null,
  o: { captureFrom: number; receivedAt: number; outTimeUs: number; windowMs: number },
): number | null {
  if (current !== null && o.receivedAt - o.captureFrom > o.windowMs) return current;
  const estimate = Math.max(o.captureFrom, o.receivedAt - o.outTimeUs / 1000);
  return current === null ? estimate : Math.min(current, estimate);
}
