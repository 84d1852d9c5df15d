// Rig membership from one shared secret: every node's Noise key pair and the discovery topic
// are derived from (rigSecret, cameraId), so any node can compute every member's public key
// offline, and the firewall needs no list of keys to be distributed.
import { createHmac } from 'node:crypto'
import HyperDHT, { type KeyPair } from 'hyperdht'

function derive(rigSecret: string, label: string): Buffer {
  return createHmac('sha256', rigSecret).update(`soccer-rig/v1/${label}`).digest()
}

export function nodeKeyPair(rigSecret: string, cameraId: string): KeyPair {
  return HyperDHT.keyPair(derive(rigSecret, `node/${cameraId}`))
}

/** The DHT topic the rig announces on; unguessable without the secret. */
export function rigTopic(rigSecret: string): Buffer {
  return derive(rigSecret, 'topic')
}

/** hex public key -> cameraId, for every configured member. */
export function memberKeys(rigSecret: string, cameraIds: readonly string[]): Map<string, string> {
  return new Map(cameraIds.map((id) => [nodeKeyPair(rigSecret, id).publicKey.toString('hex'), id]))
}
