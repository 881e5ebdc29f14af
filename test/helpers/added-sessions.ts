/** Sessions a test adds to the simulator, removed again after it, so every test starts from the scenario. */
import type { Simulator } from '../simulator/server.js';

export interface AddedSessions {
  /** Adds a session and remembers it; returns its id. */
  add(input: Parameters<Simulator['addSession']>[0]): string;
  /** Removes every session added since the last call. */
  removeAll(): void;
}

/** `sim` is read on each call: the simulator is usually started in a `before` hook. */
export function addedSessions(sim: () => Simulator): AddedSessions {
  const added: string[] = [];
  return {
    add(input) {
      const session = sim().addSession(input);
      added.push(session.SessionId);
      return session.SessionId;
    },
    removeAll() {
      for (const id of added.splice(0)) sim().removeSession(id);
    },
  };
}
