import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { execa, type ResultPromise } from 'execa';

/**
 * Network namespaces for the chrony tests (root only): N hosts named `sync-<suffix>-<i>` on one
 * bridge, addresses 10.232.X.1..N (random X), no route anywhere. netns.ts builds the same kind
 * of lab for the rig tests with its own name prefix; this one keeps the sync branch's names
 * (`sync-`, `syncb…`, `syncv…`) so concurrent labs can never collide. Use netnsUnavailable()
 * from netns.ts to decide whether it can run.
 */

export interface SyncHost { ns: string; ip: string }

export interface SyncLab {
  hosts: SyncHost[];
  /** A long-running process inside host i (`ip netns exec` execs: killing it kills the process). */
  spawn(i: number, file: string, args: string[]): ResultPromise;
  destroy(): Promise<void>;
}

const IP = '/usr/sbin/ip';

export async function createSyncLab(count: number): Promise<SyncLab> {
  const suffix = randomBytes(3).toString('hex');
  const net = `10.232.${16 + (randomBytes(1)[0]! % 224)}`;
  const bridge = `syncb${suffix}`;
  const hosts = Array.from({ length: count }, (_, i) => ({ ns: `sync-${suffix}-${i}`, veth: `syncv${suffix}${i}`, peer: `syncp${suffix}${i}`, ip: `${net}.${i + 1}` }));
  const made: string[] = [];
  let bridgeMade = false;
  const spawned = new Set<ResultPromise>();
  const ip = async (...args: string[]): Promise<void> => {
    const r = await execa(IP, args, { reject: false });
    if (r.exitCode !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  };
  // If the worker dies before teardown, leave nothing behind.
  const onExit = (): void => {
    for (const p of spawned) if (p.pid && p.exitCode == null) { try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ } }
    for (const ns of made) spawnSync(IP, ['netns', 'del', ns]);
    if (bridgeMade) spawnSync(IP, ['link', 'del', bridge]);
  };
  process.once('exit', onExit);
  const destroy = async (): Promise<void> => {
    process.off('exit', onExit);
    await Promise.all([...spawned].map(async (p) => { if (p.exitCode == null) p.kill('SIGKILL'); await p.catch(() => undefined); }));
    for (const ns of made.splice(0)) await execa(IP, ['netns', 'del', ns], { reject: false });
    if (bridgeMade) await execa(IP, ['link', 'del', bridge], { reject: false });
    bridgeMade = false;
  };
  try {
    await ip('link', 'add', bridge, 'type', 'bridge', 'forward_delay', '0');
    bridgeMade = true;
    await ip('link', 'set', bridge, 'up');
    for (const h of hosts) {
      await ip('netns', 'add', h.ns);
      made.push(h.ns);
      await ip('link', 'add', h.veth, 'type', 'veth', 'peer', 'name', h.peer);
      await ip('link', 'set', h.peer, 'netns', h.ns);
      await ip('link', 'set', h.veth, 'master', bridge);
      await ip('link', 'set', h.veth, 'up');
      await ip('-n', h.ns, 'addr', 'add', `${h.ip}/24`, 'dev', h.peer);
      await ip('-n', h.ns, 'link', 'set', h.peer, 'up');
      await ip('-n', h.ns, 'link', 'set', 'lo', 'up');
    }
  } catch (err) {
    await destroy();
    throw err;
  }
  return {
    hosts: hosts.map(({ ns, ip: addr }) => ({ ns, ip: addr })),
    spawn(i, file, args) {
      const p = execa(IP, ['netns', 'exec', hosts[i]!.ns, file, ...args], { reject: false, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', cleanup: true });
      spawned.add(p);
      return p;
    },
    destroy,
  };
}
