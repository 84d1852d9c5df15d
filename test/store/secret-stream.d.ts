// Test-only: in-process encrypted stream pairs, to replicate two logs without sockets.
declare module '@hyperswarm/secret-stream' {
  import { Duplex } from 'node:stream'
  export default class NoiseSecretStream extends Duplex {
    constructor(isInitiator: boolean)
    readonly rawStream: Duplex
    readonly remotePublicKey: Buffer
  }
}
