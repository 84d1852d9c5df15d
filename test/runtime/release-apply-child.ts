/**
 * Runs one apply in its own process and kills itself (SIGKILL, nothing gets to clean up) at the
 * step named in KILL_AT: the test then runs the boot guard as systemd would and inspects the disk.
 */
import { UpdaterCore } from '../../actors/updater/updater.js';
import { UpdaterConfig } from '../../actors/updater/config.js';
import { UpdateHistory } from '../../actors/updater/history.js';
import { StatusBoard } from '../../runtime/status.js';
import { releaseLayout } from '../../runtime/release-layout.js';
import { blankStatus } from '../helpers/app.js';

const [root, stateDir, apiBase, repo, publicKey, killAt] = ['ROOT', 'STATE_DIR', 'API_BASE', 'REPO', 'PUBLIC_KEY', 'KILL_AT'].map((k) => process.env[k] ?? '');
const layout = releaseLayout(root, stateDir);
const core = new UpdaterCore({
  config: () => UpdaterConfig.parse({ repo, apiBase, publicKey }),
  board: new StatusBoard(blankStatus()),
  history: new UpdateHistory(layout.historyFile),
  layout,
  running: '0.1.0',
  step: (s) => { if (s === killAt) process.kill(process.pid, 'SIGKILL'); },
});
core.apply({ force: false }).then(
  (r) => { process.stdout.write(`${JSON.stringify(r)}\n`); process.exit(0); },
  (err: unknown) => { process.stderr.write(`${String(err)}\n`); process.exit(1); },
);
