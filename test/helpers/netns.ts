import { randomBytes } from 'node:crypto';
import { access, constants } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { execa, type ResultPromise } from 'execa';

/**
 * A private little LAN for tests (root only): N network namespaces, each with one veth whose
 * other end hangs on a bridge in the root namespace. The bridge also gets an address, so the
 * test process (in the root namespace) can talk HTTP to every namespace directly. Addresses
 * are 10.231.X.0/24 with a random X, and only ever on interfaces this helper created; there is
 * no default route anywhere, so nothing leaves the machine.
 *
 * Names carry a random suffix (several test runs may share the machine), and destroy()
 * removes everything it made even after a partial setup.
 */

export interface NetnsHost {
  ns: string;
  /** Root-namespace end of the veth (on the bridge): set it down to cut this host off. */
  vethHost: string;
  /** Namespace end of the veth. */
  vethNs: string;
  ip: string;
}

export interface NetnsLab {
  suffix: string;
  bridge: string;
  /** The root namespace's address on the bridge. */
  rootIp: string;
  hosts: NetnsHost[];
  /** Cuts host i off the LAN (its veth on the bridge goes down). */
  cut(i: number): Promise<void>;
  heal(i: number): Promise<void>;
  /** Spawns a long-running process inside host i's namespace (`ip netns exec`, which execs: the pid is the process's own). */
  spawn(i: number, file: string, args: string[]): ResultPromise;
  /** Runs a short command inside host i's namespace and returns its stdout. */
  run(i: number, file: string, args: string[], timeoutMs?: number): Promise<string>;
  destroy(): Promise<void>;
}

/** Why namespace tests cannot run here, or null when they can. */
export async function netnsUnavailable(): Promise<string | null> {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return `not root (uid ${process.getuid?.() ?? 'unknown'}); network namespaces need root`;
  const ip = await findIp();
  if (!ip) return 'the `ip` command (iproute2) is not installed';
  const r = await execa(ip, ['netns', 'list'], { reject: false });
  if (r.exitCode !== 0) return `\`ip netns list\` failed: ${r.stderr.trim()}`;
  return null;
}

async function findIp(): Promise<string | null> {
  for (const p of ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip']) {
    try {
      await access(p, constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return null;
}

/** prefix: the namespaces' name prefix (e.g. the branch name, so concurrent runs cannot collide). */
export async function createLab(count: number, prefix = 'srig'): Promise<NetnsLab> {
  const ipBin = (await findIp()) ?? 'ip';
  const suffix = randomBytes(3).toString('hex');
  // A random /24 inside 10.231/16 so concurrent labs on one machine do not collide.
  const net = `10.231.${16 + (randomBytes(1)[0]! % 224)}`;
  const bridge = `srb${suffix}`;
  const hosts: NetnsHost[] = Array.from({ length: count }, (_, i) => ({
    ns: `${prefix}-${suffix}-${i}`, vethHost: `srv${suffix}${i}`, vethNs: `srp${suffix}${i}`, ip: `${net}.${i + 1}`,
  }));
  const made = { bridge: false, ns: [] as string[], veth: [] as string[] };
  const ip = async (...args: string[]): Promise<void> => {
    const r = await execa(ipBin, args, { reject: false });
    if (r.exitCode !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  };
  const spawned = new Set<ResultPromise>();

  // Last resort if the worker dies before teardown (e.g. a timeout): synchronous cleanup on exit.
  const onExit = (): void => {
    for (const p of spawned) if (p.pid && (p.exitCode === undefined || p.exitCode === null)) { try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ } }
    for (const ns of made.ns) spawnSync(ipBin, ['netns', 'del', ns]);
    if (made.bridge) spawnSync(ipBin, ['link', 'del', bridge]);
  };
  process.once('exit', onExit);

  const destroy = async (): Promise<void> => {
    process.off('exit', onExit);
    // Processes first (an `ip netns del` would leave them running in a detached namespace).
    await Promise.all([...spawned].map(async (p) => {
      if (p.exitCode === undefined || p.exitCode === null) p.kill('SIGKILL');
      await p.catch(() => undefined);
    }));
    for (const ns of made.ns) await execa(ipBin, ['netns', 'del', ns], { reject: false });
    for (const v of made.veth) await execa(ipBin, ['link', 'del', v], { reject: false }); // usually gone with its namespace
    if (made.bridge) await execa(ipBin, ['link', 'del', bridge], { reject: false });
    made.ns = [];
    made.veth = [];
    made.bridge = false;
  };

  try {
    await ip('link', 'add', bridge, 'type', 'bridge', 'forward_delay', '0');
    made.bridge = true;
    await ip('link', 'set', bridge, 'up');
    await ip('addr', 'add', `${net}.254/24`, 'dev', bridge);
    for (const h of hosts) {
      await ip('netns', 'add', h.ns);
      made.ns.push(h.ns);
      await ip('link', 'add', h.vethHost, 'type', 'veth', 'peer', 'name', h.vethNs);
      made.veth.push(h.vethHost);
      await ip('link', 'set', h.vethNs, 'netns', h.ns);
      await ip('link', 'set', h.vethHost, 'master', bridge);
      await ip('link', 'set', h.vethHost, 'up');
      await ip('-n', h.ns, 'addr', 'add', `${h.ip}/24`, 'dev', h.vethNs);
      await ip('-n', h.ns, 'link', 'set', h.vethNs, 'up');
      await ip('-n', h.ns, 'link', 'set', 'lo', 'up');
    }
  } catch (err) {
    await destroy();
    throw err;
  }

  return {
    suffix, bridge, rootIp: `${net}.254`, hosts,
    cut: (i) => ip('link', 'set', hosts[i]!.vethHost, 'down'),
    heal: (i) => ip('link', 'set', hosts[i]!.vethHost, 'up'),
    spawn(i, file, args) {
      const p = execa(ipBin, ['netns', 'exec', hosts[i]!.ns, file, ...args], { reject: false, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', cleanup: true });
      spawned.add(p);
      return p;
    },
    async run(i, file, args, timeoutMs = 10_000) {
      const r = await execa(ipBin, ['netns', 'exec', hosts[i]!.ns, file, ...args], { reject: false, timeout: timeoutMs });
      if (r.exitCode !== 0) throw new Error(`in ${hosts[i]!.ns}: ${file} ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
      return r.stdout;
    },
    destroy,
  };
}
