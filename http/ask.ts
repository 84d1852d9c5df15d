import { query, type Ref } from 'nact';
import { HttpError } from './errors.js';

/** Asks an actor and waits for its answer; a silent actor becomes a 503 with a code, never a 500. */
export async function ask<Msg, Reply>(actor: Ref<Msg> | undefined, make: (replyTo: Ref<Reply>) => Msg, timeoutMs: number, what: string): Promise<Reply> {
  if (!actor) throw new HttpError(503, 'NOT_AVAILABLE', `${what} is not available on this node`);
  try {
    return await query<Msg, (replyTo: Ref<Reply>) => Msg>(actor, make, timeoutMs);
  } catch (err) {
    throw new HttpError(503, 'ACTOR_TIMEOUT', `${what} did not answer within ${Math.round(timeoutMs / 1000)} s: ${(err as Error).message}`);
  }
}
