/**
 * The QRS routes (qlik-api.md §2): `about`, `virtualproxyconfig` and `proxyservice` (list, `full`,
 * `count`, by id, `local`), read-only, with `filter` applied as QRS does (filter.ts). The request
 * pipeline in server.ts has already checked the Xrfkey and X-Qlik-User headers; the entity bodies
 * come from qrs-entities.ts. `QrsQuirks` make answers that do not fit the question.
 */
import { applyFilter, FilterError } from './filter.js';
import { firstQueryCI, jsonReply, textReply, type Reply } from './http.js';
import {
  aboutBody,
  proxyServiceCondensed,
  proxyServiceFull,
  virtualProxyCondensed,
  virtualProxyFull,
  type LiveNode,
} from './qrs-entities.js';
import type { Site } from './site.js';
import type { QrsQuirks } from './types.js';

/** Answer one QRS request; `segs` are the decoded path segments, `query` the decoded parameters. */
export function qrsRoute(site: Site, quirks: QrsQuirks, method: string, segs: string[], query: Record<string, string>): Reply {
  const at = segs.findIndex((s) => s.toLowerCase() === 'qrs');
  if (at < 0) return textReply(404, '');
  const rest = segs.slice(at + 1).map((s, i) => (i === 0 ? s.toLowerCase() : s));
  if (method !== 'GET') return textReply(405, 'Method not allowed', { Allow: 'GET' });
  const entity = rest[0];
  const sub = rest.length > 1 ? rest[1] : undefined;
  if (rest.length > 2) return textReply(404, '');
  const asked = firstQueryCI(query, 'filter');
  const nodes = quirks.noProxyServices ? [] : [...site.nodes.values()];
  const reported = (live: LiveNode): LiveNode => ({ ...live, address: quirks.hostNames?.[live.node.name] ?? live.address });
  try {
    if (entity === 'about' && sub === undefined) return jsonReply(200, aboutBody());
    if (entity === 'virtualproxyconfig') {
      const filter = quirks.ignoreFilter ? undefined : asked;
      const vps = quirks.noVirtualProxies ? [] : site.scenario.virtualProxies;
      const lbNodes = new Map([...site.liveByName].map(([name, live]) => [name, reported(live)]));
      const full = vps.map((vp) => virtualProxyFull(vp, lbNodes));
      if (sub === undefined) {
        const keep = new Set(applyFilter(full, filter).map((v) => v.id));
        return jsonReply(200, vps.filter((v) => keep.has(v.id)).map(virtualProxyCondensed));
      }
      const lsub = sub.toLowerCase();
      if (lsub === 'full') return jsonReply(200, applyFilter(full, filter));
      if (lsub === 'count') return jsonReply(200, { value: applyFilter(full, filter).length });
      const one = full.find((v) => String(v.id).toLowerCase() === lsub);
      return one ? jsonReply(200, one) : textReply(404, '');
    }
    if (entity === 'proxyservice') {
      const filter = asked;
      const full = nodes.map((n) => proxyServiceFull(reported(n.live), n.vps));
      if (sub === undefined) {
        const keep = new Set(applyFilter(full, filter).map((p) => p.id));
        return jsonReply(200, nodes.filter((n) => keep.has(n.info.id)).map((n) => proxyServiceCondensed(reported(n.live))));
      }
      const lsub = sub.toLowerCase();
      if (lsub === 'full') return jsonReply(200, applyFilter(full, filter));
      if (lsub === 'count') return jsonReply(200, { value: applyFilter(full, filter).length });
      if (lsub === 'local') {
        const central = site.nodes.get(site.centralName);
        return central ? jsonReply(200, proxyServiceFull(central.live, central.vps)) : textReply(404, '');
      }
      const one = full.find((p) => String(p.id).toLowerCase() === lsub);
      return one ? jsonReply(200, one) : textReply(404, '');
    }
  } catch (err) {
    if (err instanceof FilterError) return textReply(400, err.body);
    throw err;
  }
  return textReply(404, '');
}
