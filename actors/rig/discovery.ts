import type { Config } from '../../runtime/config/schema.js';
import type { Logger } from '../../runtime/logging.js';
import type { BeaconInfo, LanBeacon } from '../../store/beacon.js';

/** What discovery needs of the mesh: to be told where a member was heard. */
export interface DiscoveryMesh {
  addAddress(host: string, port: number, cameraId?: string): void;
}

export interface LanDiscovery {
  /** The member's address as its latest signed beacon gave it, newer than the config's. */
  address(cameraId: string): BeaconInfo | undefined;
  close(): Promise<void>;
}

/**
 * LAN discovery for a rig member: signed beacons announce where each node's DHT and HTTP are,
 * so a node that moved (a new DHCP lease) is still dialled. A help, not a requirement: when the
 * UDP port cannot be used the configured peers still work, and null is returned.
 */
export async function openDiscovery(cfg: Config, mesh: DiscoveryMesh, log: Logger, clock: () => number): Promise<LanDiscovery | null> {
  const { LanBeacon } = await import('../../store/beacon.js');
  const beacon: LanBeacon = new LanBeacon({
    rigSecret: cfg.rig.secret!, cameraId: cfg.camera.id, dhtPort: cfg.rig.dhtPort, httpPort: cfg.http.port,
    port: cfg.rig.discoveryPort!, ...(cfg.rig.discoveryTargets.length ? { targets: cfg.rig.discoveryTargets } : {}),
    clock,
  });
  const discovered = new Map<string, BeaconInfo>();
  beacon.on('peer', (p) => {
    const known = discovered.get(p.cameraId);
    discovered.set(p.cameraId, p);
    if (known?.host === p.host && known.dhtPort === p.dhtPort) return;
    log.info({ code: 'PEER_DISCOVERED', ...p }, `${p.cameraId} announced itself at ${p.host}`);
    mesh.addAddress(p.host, p.dhtPort, p.cameraId);
  });
  // A beacon that fails its signature is usually a node set up with another rig secret: worth
  // one warning per sender, so the operator can find it (the mesh refuses it anyway).
  const refused = new Set<string>();
  beacon.on('invalid', (why) => {
    if (refused.has(why)) return;
    refused.add(why);
    log.warn({ code: 'BEACON_INVALID', why }, `ignored a LAN beacon: ${why}`);
  });
  try {
    await beacon.open();
  } catch (err) {
    log.warn({ err, code: 'DISCOVERY_UNAVAILABLE' }, `LAN discovery off: cannot use UDP port ${cfg.rig.discoveryPort}`);
    return null;
  }
  return { address: (id) => discovered.get(id), close: () => beacon.close() };
}
