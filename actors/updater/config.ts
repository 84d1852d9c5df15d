import { z } from 'zod';

/**
 * The `updater` section of node.yaml. Replaces the old `updater.source` key, which nothing read.
 * With no repo nothing is checked; with no public key every apply is refused (NO_PUBLIC_KEY):
 * a node never installs what it cannot verify.
 */
export const UpdaterConfig = z.strictObject({
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'owner/name').nullable().default(null)
    .describe('GitHub repository whose Releases are this software\'s updates, "owner/name"; null: no updates'),
  apiBase: z.url().default('https://api.github.com')
    .describe('Base URL of the GitHub API (a mirror on the rig LAN may serve the same paths)'),
  publicKey: z.string().nullable().default(null)
    .describe('PEM of the project\'s Ed25519 release key; null: every update is refused'),
  installRoot: z.string().default('/opt/soccer-rig').describe('Holds releases/<version>, current and boot-guard.sh'),
  stateDir: z.string().default('/var/lib/soccer-rig').describe('Update trial, history and downloads'),
  trialDeadlineS: z.number().int().min(10).max(3600).default(300)
    .describe('A new version must report healthy within this many seconds of the switch, else it is rolled back'),
  maxAttempts: z.number().int().min(1).max(10).default(3)
    .describe('Starts a new version gets to become healthy before the boot guard rolls it back'),
}).default({
  repo: null, apiBase: 'https://api.github.com', publicKey: null, installRoot: '/opt/soccer-rig',
  stateDir: '/var/lib/soccer-rig', trialDeadlineS: 300, maxAttempts: 3,
});
export type UpdaterConfig = z.infer<typeof UpdaterConfig>;
