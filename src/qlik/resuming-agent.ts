/**
 * A keep-alive HTTPS agent for one host whose connections, after the first, resume its TLS session.
 *
 * A full handshake with a client certificate costs both ends a private-key signature; a resumed one
 * (TLS 1.3 session ticket, or a TLS 1.2 session id) does not. Node's agent already caches the session
 * of a finished handshake, but a run opens its connections to a proxy node all at once, before any
 * handshake has finished, so every one of them was a full handshake. Here the connections asked for
 * while the first is still in its handshake wait until it has a session to share. A server that
 * gives no session lets them go when the first connection's request is done or the connection
 * closes, and they make full handshakes of their own. The wait is one handshake, once per host and
 * run.
 *
 * Measured with `npm run bench` P1 (34 virtual proxies × 4 nodes, up to 16 connections per node):
 * see the README's Performance section.
 */
import { Agent } from 'node:https';
import type { ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';

type Callback = (err: Error | null, stream: Duplex) => void;

export class ResumingAgent extends Agent {
  /** Settles when the first connection has a session, has closed, or has finished its first request. */
  private first: Promise<void> | undefined;
  private firstDone = false;

  override createConnection(options: ClientRequestArgs, callback?: Callback): Duplex | null | undefined {
    if (this.firstDone) return super.createConnection(options, callback);
    if (this.first === undefined) {
      const socket = super.createConnection(options, callback) as TLSSocket;
      this.first = new Promise<void>((resolve) => {
        const onFree = (freed: Duplex): void => {
          if (freed === socket) release();
        };
        const release = (): void => {
          this.firstDone = true;
          socket.off('session', release);
          socket.off('close', release);
          this.off('free', onFree);
          resolve();
        };
        socket.once('session', release);
        socket.once('close', release);
        this.on('free', onFree);
      });
      return socket;
    }
    if (callback === undefined) return super.createConnection(options);
    void this.first.then(() => {
      let socket: Duplex | null | undefined;
      try {
        socket = super.createConnection(options);
      } catch (err) {
        // Node's agent reads no connection with an error; @types/node types it as always present.
        callback(err instanceof Error ? err : new Error(String(err)), undefined as unknown as Duplex);
        return;
      }
      if (socket) callback(null, socket);
    });
    return undefined;
  }
}
