/**
 * Fault state and what faults do to an answer. `FaultBook` holds the fault set per target (`'qrs'`
 * or a node name) and decides which requests it applies to (methods, afterRequests, times);
 * `holdWhileOpen` is the `slow` delay and `malform` mangles a healthy answer. The faults that send
 * a body of their own (gzip bomb, trickle) are in body-faults.ts; `down` is carried out by
 * server.ts, which owns the listeners.
 */
import type { ServerResponse } from 'node:http';
import { jsonReply, type Reply } from './http.js';
import type { Fault } from './types.js';

interface FaultState {
  fault: Fault;
  /** Matching requests seen so far. */
  matched: number;
  /** Requests the fault was applied to so far. */
  applied: number;
}

export class FaultBook {
  private readonly states = new Map<string, FaultState>();

  /** Set (counting afresh) or clear the fault of a target. */
  set(target: string, fault: Fault | undefined): void {
    if (fault) this.states.set(target, { fault, matched: 0, applied: 0 });
    else this.states.delete(target);
  }

  /** The fault to apply to this request, if any (counts it). `down` never applies per request. */
  take(target: string, method: string): Fault | undefined {
    const fs = this.states.get(target);
    if (!fs || fs.fault.kind === 'down') return undefined;
    const f = fs.fault;
    if (f.methods && !f.methods.some((m) => m.toUpperCase() === method)) return undefined;
    fs.matched++;
    if (fs.matched <= (f.afterRequests ?? 0)) return undefined;
    if (f.times !== undefined && fs.applied >= f.times) return undefined;
    fs.applied++;
    return f;
  }
}

/**
 * A delay that ends early when the client goes away (a timed-out request, a stopped simulator), so
 * a long `slow` fault never keeps the test process alive after the test.
 */
export function holdWhileOpen(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once('close', done);
  });
}

function stripAttributes(value: unknown): unknown {
  const strip = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    delete copy.Attributes;
    return copy;
  };
  return Array.isArray(value) ? value.map(strip) : strip(value);
}

/** The `malformed` fault: an HTML page, the body cut in half, or JSON without `Attributes`. */
export function malform(reply: Reply, kind: 'html' | 'truncated' | 'no-attributes'): Reply {
  switch (kind) {
    case 'html':
      return {
        status: 200,
        body: '<!DOCTYPE html>\n<html><head><title>Qlik Sense</title></head><body><h1>Service unavailable</h1></body></html>\n',
        contentType: 'text/html; charset=utf-8',
      };
    case 'truncated': {
      const cut: Reply = { status: reply.status, body: reply.body.slice(0, Math.floor(reply.body.length / 2)) };
      if (reply.contentType) cut.contentType = reply.contentType;
      return cut;
    }
    case 'no-attributes':
      return reply.value === undefined ? reply : jsonReply(reply.status, stripAttributes(reply.value));
  }
}
