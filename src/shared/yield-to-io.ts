import { setImmediate } from 'node:timers/promises';

/**
 * Lets the event loop serve the I/O that waits (HTTP requests, SFTP packets) before a long job's
 * next step. One setImmediate is not enough: called from the poll phase (an I/O callback, or a
 * promise one resolved), its callback runs in the check phase of the same loop iteration, before
 * the next poll, and two steps ran back to back (a roster import's apply: two 50 ms transactions,
 * one 107 ms stall). The second immediate always runs after a poll phase.
 */
export async function yieldToIo(): Promise<void> {
  await setImmediate();
  await setImmediate();
}
