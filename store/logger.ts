/** The little the store needs from a logger (pino fits); tests pass a silent one or a recorder. */
export interface StoreLogger {
  warn(obj: object, msg: string): void
  debug(obj: object, msg: string): void
}

export const silentLogger: StoreLogger = { warn() {}, debug() {} }
