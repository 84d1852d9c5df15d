import { z } from 'zod';
import { CAMERA_IDS } from '../cameras.js';
import { UpdaterConfig } from '../../actors/updater/config.js';
import { RetentionConfigSchema } from '../../actors/housekeeper/retention.js';
import { ChronySettingsSchema } from '../chrony/config-schema.js';

/**
 * The node's configuration, one YAML file per node. Every section is strict so a
 * typo ("bitrateMpbs") is reported instead of silently ignored, and every field
 * says what it is for: these descriptions are also what /docs shows.
 */
export const CONFIG_VERSION = 1;

export const CameraId = z.enum(CAMERA_IDS).describe('Which camera of the rig this node is, in field order left to right');
export type CameraId = z.infer<typeof CameraId>;

const hostPort = z.strictObject({
  cameraId: CameraId.optional().describe('Which camera that peer is, so a silent peer is still listed'),
  host: z.string().min(1).describe('Peer host name or IP address'),
  port: z.number().int().min(1).max(65535).describe('Peer DHT (UDP) port'),
  httpPort: z.number().int().min(1).max(65535).optional().describe('Peer HTTP port, for the dashboard links'),
});

export const ConfigSchema = z.strictObject({
  version: z.literal(CONFIG_VERSION).describe('Config file format version; older files are migrated on load'),
  mode: z.enum(['production', 'development']).default('production')
    .describe('production: no logs on disk, minimal log view; development: JSON logs under logging.dir'),
  camera: z.strictObject({
    id: CameraId,
    position: z.string().max(200).default('').describe('Where the camera stands, free text (e.g. "left, 16 m line")'),
    source: z.enum(['synthetic', 'rpicam', 'v4l2']).default('synthetic')
      .describe('synthetic: generated test picture; rpicam: Pi camera via rpicam-vid; v4l2: USB/UVC camera'),
    device: z.string().nullable().default(null).describe('Camera device for v4l2 (e.g. /dev/video0) or rpicam index'),
    inputCodec: z.enum(['raw', 'h264', 'hevc', 'mjpeg']).default('raw')
      .describe('What a v4l2 camera delivers; h264/hevc are stream-copied without re-encoding'),
  }),
  http: z.strictObject({
    host: z.string().default('0.0.0.0').describe('Address the HTTP server binds to'),
    port: z.number().int().min(1).max(65535).default(8080).describe('HTTP port of the API and dashboard'),
    allowedHosts: z.array(z.string().min(1)).default([])
      .describe('Extra Host header names accepted besides this machine\'s own names and addresses'),
  }).default({ host: '0.0.0.0', port: 8080, allowedHosts: [] }),
  storage: z.strictObject({
    dataDir: z.string().min(1).default('/mnt/nvme/recordings').describe('Where recordings go (the NVMe mount)'),
    mountPoint: z.string().min(1).nullable().default(null)
      .describe('The mount dataDir must be on (e.g. /mnt/nvme); recording is refused when it is not mounted. null: not checked'),
  }).default({ dataDir: '/mnt/nvme/recordings', mountPoint: null }),
  video: z.strictObject({
    width: z.number().int().min(64).max(7680).default(3840).describe('Frame width in pixels'),
    height: z.number().int().min(64).max(4320).default(2160).describe('Frame height in pixels'),
    fps: z.number().int().min(1).max(120).default(30).describe('Target frames per second'),
    codec: z.enum(['h265', 'h264']).default('h265').describe('Preferred codec; h264 is the fallback when HEVC fails'),
    bitrateMbps: z.number().min(0.1).max(100).default(30).describe('Target bitrate; clamped to 25–35 Mbps at 4K'),
    preset: z.enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium']).default('ultrafast')
      .describe('x264/x265 speed preset; software encoding on a Pi 5 needs ultrafast'),
  }).default({ width: 3840, height: 2160, fps: 30, codec: 'h265', bitrateMbps: 30, preset: 'ultrafast' }),
  audio: z.strictObject({
    enabled: z.boolean().default(true).describe('Record an audio track'),
    device: z.string().nullable().default(null).describe('ALSA capture device for real cameras (e.g. hw:1,0)'),
    startBeep: z.boolean().default(false)
      .describe('One node of the rig beeps at the start instant of a start-all (after every node armed), so the start can be found in the audio tracks'),
  }).default({ enabled: true, device: null, startBeep: false }),
  live: z.strictObject({
    enabled: z.boolean().default(false)
      .describe('Grandma Mode: a low-resolution live stream for phones, made from a copy of the recording'),
    height: z.number().int().min(144).max(1080).default(720).describe('Live stream height in pixels'),
    bitrateMbps: z.number().min(0.5).max(8).default(3).describe('Live stream bitrate (2–4 Mbps suits phones)'),
    maxCpuPercent: z.number().min(10).max(100).default(85)
      .describe('The live stream switches itself off when CPU load stays above this'),
  }).default({ enabled: false, height: 720, bitrateMbps: 3, maxCpuPercent: 85 }),
  recording: z.strictObject({
    plannedDurationMin: z.number().min(1).max(600).default(110).describe('Minutes a recording must fit on disk'),
  }).default({ plannedDurationMin: 110 }),
  thresholds: z.strictObject({
    diskWarnPercent: z.number().min(0).max(100).default(15).describe('Warn below this much free space (%)'),
    diskBlockPercent: z.number().min(0).max(100).default(10).describe('Refuse to record below this much free space (%)'),
    batteryWarnPercent: z.number().min(0).max(100).default(20).describe('Warn below this battery level (%)'),
    batteryBlockPercent: z.number().min(0).max(100).default(10).describe('Refuse to record below this battery level (%)'),
    temperatureWarnC: z.number().min(30).max(110).default(75).describe('Warn above this CPU temperature (°C)'),
    temperatureBlockC: z.number().min(30).max(110).default(82).describe('Refuse to record above this CPU temperature (°C)'),
    syncOffsetMs: z.number().min(0).max(1000).default(5).describe('Largest clock offset to the rig accepted for recording (ms)'),
  }).default({
    diskWarnPercent: 15, diskBlockPercent: 10, batteryWarnPercent: 20, batteryBlockPercent: 10,
    temperatureWarnC: 75, temperatureBlockC: 82, syncOffsetMs: 5,
  }),
  logging: z.strictObject({
    dir: z.string().min(1).default('/var/log/soccer_rig').describe('Where development-mode logs are written'),
  }).default({ dir: '/var/log/soccer_rig' }),
  network: z.strictObject({
    meshSsid: z.string().min(1).max(32).default('SOCCER_RIG').describe('Wi-Fi network the rig joins'),
    apSsid: z.string().min(1).max(32).optional()
      .describe('SSID of this node\'s fallback access point; defaults to SOCCER_CAM_{ID}'),
    wpa2Key: z.string().min(8).max(63).nullable().default(null).describe('WPA2 passphrase (8–63 characters)'),
    manage: z.boolean().default(false)
      .describe('Join meshSsid with NetworkManager, fall back to the own access point; true on the Pis, false on laptops and in the demo'),
  }).default({ meshSsid: 'SOCCER_RIG', wpa2Key: null, manage: false }),
  rig: z.strictObject({
    secret: z.string().min(16).nullable().default(null)
      .describe('Shared rig secret (≥ 16 characters); only nodes holding it may join'),
    dhtHost: z.string().default('0.0.0.0').describe('Address the rig DHT node binds to'),
    dhtPort: z.number().int().min(1).max(65535).default(49737).describe('UDP port of this node\'s rig DHT node'),
    startLeadMs: z.number().int().min(200).max(10000).default(1500).describe('How far ahead a start-all schedules the start'),
    discoveryPort: z.number().int().min(1).max(65535).nullable().default(null)
      .describe('UDP port of the signed LAN beacons that find members whose address changed (e.g. 49738); null: off'),
    discoveryTargets: z.array(z.string().min(1)).default([])
      .describe('Where beacons go ("host" or "host:port"); empty = the broadcast address of every network interface'),
  }).default({ secret: null, dhtHost: '0.0.0.0', dhtPort: 49737, startLeadMs: 1500, discoveryPort: null, discoveryTargets: [] }),
  sync: z.strictObject({
    rigTime: z.boolean().default(true)
      .describe('Start-alls are timed on rig time (the median of the members\' clocks, measured over the rig connections); false: each node starts on its own clock (for rigs whose clocks chrony already disciplines, and for comparisons)'),
    gate: z.boolean().default(false)
      .describe('Refuse to start (SYNC_DRIFT) while a member\'s clock is further than thresholds.syncOffsetMs from rig time; a node whose offsets are unknown starts anyway, flagged SYNC_UNKNOWN'),
    chrony: z.boolean().default(true)
      .describe('Read chronyd\'s state into status (sync.chrony) and warn when chronyd is missing or unsynchronised; false on a machine whose clock chrony does not keep (the demo on a laptop)'),
  }).default({ rigTime: true, gate: false, chrony: true }),
  chrony: ChronySettingsSchema,
  peers: z.array(hostPort).default([]).describe('The other nodes of the rig'),
  battery: z.discriminatedUnion('provider', [
    z.strictObject({ provider: z.literal('none') }),
    z.strictObject({
      provider: z.literal('sysfs'),
      path: z.string().default('/sys/class/power_supply/BAT0/capacity').describe('sysfs capacity file'),
    }),
    z.strictObject({
      provider: z.literal('command'),
      command: z.array(z.string().min(1)).min(1).describe('Command (argv) printing a battery percentage, for UPS HATs'),
    }),
  ]).default({ provider: 'none' }),
  power: z.strictObject({
    shutdownCommand: z.array(z.string().min(1)).min(1).nullable().default(null)
      .describe('Run after the node stopped on POST /shutdown (e.g. ["sudo","systemctl","poweroff"]); null: only the node stops'),
  }).default({ shutdownCommand: null }),
  updater: UpdaterConfig,
  api: z.strictObject({
    token: z.string().min(4).nullable().default(null)
      .describe('When set, mutating API calls need "Authorization: Bearer <token>" (the dashboard PIN)'),
  }).default({ token: null }),
  housekeeping: z.strictObject({
    intervalMs: z.number().int().min(100).max(60000).default(2000).describe('How often health is sampled'),
  }).default({ intervalMs: 2000 }),
  retention: RetentionConfigSchema,
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

/** The keys whose values are secrets: never returned by GET /config, never logged. */
export const secretPaths: ReadonlyArray<readonly string[]> = [
  ['network', 'wpa2Key'],
  ['rig', 'secret'],
  ['api', 'token'],
];

/** Changing these needs a restart of the node; everything else is applied live. */
export const restartPaths: ReadonlyArray<string> = [
  'camera.id', 'camera.source', 'camera.device', 'camera.inputCodec',
  'http.host', 'http.port', 'storage.dataDir', 'rig.secret', 'rig.dhtHost', 'rig.dhtPort', 'peers',
  'network.meshSsid', 'network.apSsid', 'network.wpa2Key', 'network.manage', 'logging.dir', 'updater.installRoot', 'updater.stateDir',
];
