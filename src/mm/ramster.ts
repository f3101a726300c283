/*
 * RAMster: zcache 2 that sends pageframes' zpages to peer machines
 * (drivers/staging/zcache/ramster/ramster.c and r2net.c, 3.7–3.10; SPEC
 * §13.4, kernel-notes-tmem §4). This node is simulated; its peers are a
 * capacity and an up/down state each.
 *
 * Remotify: a pass at trace time 60 s, then every second (SPEC §13.7),
 * sends the queued flushes, then for each enabled class (ephemeral first)
 * takes the LRU-end pageframe off the lists (a zombie) up to 100 times and
 * puts its zpages to the target peer in bud order. A zpage the peer took
 * becomes a remote entry and its bud is freed; at the first refusal (peer
 * down or full) the rest stays in the zombie, loadable but never remotified
 * or evicted, freed with its last zpage. A peer short of room first drops its
 * oldest foreign ephemeral zpages, unannounced [SPEC choice].
 *
 * Freeing a remote persistent entry queues a FLUSH_PAGE (a flush of an
 * object with remote entries, one FLUSH_OBJ), sent at the next pass: until
 * then the peer's room stays used; to a peer that is down it fails. A remote
 * ephemeral entry freed sends nothing.
 *
 * A get from a peer that is up returns the zpage (decompressed here, as the
 * kernel does; `remote_get_wait_ns` adds a round trip); an exclusive get
 * frees the peer's copy, a non-exclusive persistent one brings it back into
 * a local bud if persistent-put's placement finds one. From a peer that is
 * down the get fails (`remote_gets_node_down`, no kernel counter): frontswap
 * keeps its bit, and the fault reads the device slot — the corruption the
 * kernel suffered, which verification reports. Left out: the intransit
 * retry, the peers' own use of their memory, cluster membership changes.
 */
import type { Codec } from '../compress/codec.js';
import type { BackendLoaded } from './frontswap.js';
import type { Pageframe } from './pools/zcache-zbud.js';
import type { RamsterConfig } from './tmem.js';
import type { TmemHost } from './tmem.js';
import { Zcache, type ZEntry, type ZPool } from './zcache.js';

/** Zombies made per class per pass (ramster_remotify_process's loop). */
const PER_PASS = 100;
/** The first pass, in seconds of trace time after boot. */
const START_S = 60;

export interface RamsterStats {
  eph_pages_remoted: number;
  pers_pages_remoted: number;
  eph_pages_remote_failed: number;
  pers_pages_remote_failed: number;
  pers_pages_remote_nomem: number;
  remote_eph_pages_succ_get: number;
  remote_pers_pages_succ_get: number;
  remote_eph_pages_unsucc_get: number;
  remote_pages_flushed: number;
  remote_page_flushes_failed: number;
  remote_objects_flushed: number;
  remote_object_flushes_failed: number;
  remote_gets_node_down: number;
  remote_get_wait_ns: number;
}

/** The zpages all peers hold for this node (their foreign pages), with peaks. */
class Foreign {
  eph = 0;
  pers = 0;
  ephMax = 0;
  persMax = 0;

  add(cls: 'eph' | 'pers', n: number): void {
    if (cls === 'eph') this.ephMax = Math.max(this.ephMax, (this.eph += n));
    else this.persMax = Math.max(this.persMax, (this.pers += n));
  }
}

class Peer {
  /** Bytes of our zpages it holds (Σ zsize). */
  held = 0;
  /** Our zpages it holds; ephemeral ones in the order they came (its drop order). */
  readonly pages = new Set<ZEntry>();
  readonly eph = new Set<ZEntry>();
  constructor(
    readonly node: number,
    readonly size: number,
    readonly downAt: number | null,
    private readonly foreign: Foreign,
  ) {}

  up(recordsDone: number): boolean {
    return this.downAt === null || recordsDone < this.downAt;
  }

  /** Takes a zpage if there is room, dropping its oldest foreign ephemeral zpages to make some. */
  take(e: ZEntry, dropped: (e: ZEntry) => void): boolean {
    if (e.zsize > this.size) return false;
    while (this.held + e.zsize > this.size) {
      const oldest = this.eph.values().next();
      if (oldest.done) return false;
      this.release(oldest.value);
      dropped(oldest.value);
    }
    this.pages.add(e);
    if (e.cls === 'eph') this.eph.add(e);
    this.held += e.zsize;
    this.foreign.add(e.cls, 1);
    return true;
  }

  release(e: ZEntry): void {
    if (!this.pages.delete(e)) return;
    this.eph.delete(e);
    this.held -= e.zsize;
    this.foreign.add(e.cls, -1);
  }

  holds(e: ZEntry): boolean {
    return this.pages.has(e);
  }
}

type Flush = { kind: 'page'; node: number; entries: ZEntry[] } | { kind: 'obj'; node: number; entries: ZEntry[] };

export class Ramster extends Zcache {
  override readonly name = 'ramster' as const;
  readonly rstats: RamsterStats = {
    eph_pages_remoted: 0,
    pers_pages_remoted: 0,
    eph_pages_remote_failed: 0,
    pers_pages_remote_failed: 0,
    pers_pages_remote_nomem: 0,
    remote_eph_pages_succ_get: 0,
    remote_pers_pages_succ_get: 0,
    remote_eph_pages_unsucc_get: 0,
    remote_pages_flushed: 0,
    remote_page_flushes_failed: 0,
    remote_objects_flushed: 0,
    remote_object_flushes_failed: 0,
    remote_gets_node_down: 0,
    remote_get_wait_ns: 0,
  };
  private readonly peers = new Map<number, Peer>();
  private readonly flushes: Flush[] = [];
  /** Remote entries dropped by their peer: a get misses. */
  private readonly dropped = new WeakSet<ZEntry>();
  /** Inside a flush of an object: remote persistent entries collected for one FLUSH_OBJ. */
  private objectFlush: ZEntry[] | null = null;
  private readonly foreign = new Foreign();
  passes = 0;

  constructor(
    private readonly rconfig: RamsterConfig,
    codec: Codec,
    host: TmemHost,
    ramPages: number,
    exclusiveGets: boolean,
    /** Records per second of trace time (SPEC §13.7). */
    private readonly recordsPerSecond: number,
  ) {
    super(2, codec, host, ramPages, exclusiveGets);
    for (const p of rconfig.peers) this.peers.set(p.node, new Peer(p.node, p.size, p.downAt, this.foreign));
  }

  private peerOf(e: ZEntry): Peer {
    return this.peers.get(e.remoteNode!)!;
  }

  private upNow(peer: Peer): boolean {
    return peer.up(this.host.recordsDone);
  }

  // ---- remote entries freed ---------------------------------------------------

  protected override freeRemote(e: ZEntry): void {
    const peer = this.peerOf(e);
    if (e.cls === 'eph') return; // nothing is sent: the peer keeps it until it drops it
    if (this.objectFlush !== null) this.objectFlush.push(e);
    else this.flushes.push({ kind: 'page', node: peer.node, entries: [e] });
  }

  protected override flushObject(pool: ZPool, obj: number): void {
    this.objectFlush = [];
    super.flushObject(pool, obj);
    const remote = this.objectFlush;
    this.objectFlush = null;
    const byNode = new Map<number, ZEntry[]>();
    for (const e of remote) {
      const list = byNode.get(e.remoteNode!);
      if (list === undefined) byNode.set(e.remoteNode!, [e]);
      else list.push(e);
    }
    for (const [node, entries] of byNode) this.flushes.push({ kind: 'obj', node, entries });
  }

  // ---- gets ----------------------------------------------------------------------

  /** The final check reads through the backend: a remote zpage only from a peer that is up and still holds it. */
  protected override reachable(e: ZEntry): boolean {
    if (e.remoteNode === null) return true;
    const peer = this.peerOf(e);
    return this.upNow(peer) && peer.holds(e);
  }

  protected override getEntry(e: ZEntry): BackendLoaded | null {
    if (e.remoteNode === null) return super.getEntry(e);
    const peer = this.peerOf(e);
    if (!this.upNow(peer)) {
      this.rstats.remote_gets_node_down++;
      return null;
    }
    if (this.dropped.has(e) || !peer.holds(e)) {
      if (e.cls === 'eph') this.rstats.remote_eph_pages_unsucc_get++;
      return null;
    }
    this.rstats.remote_get_wait_ns += this.rconfig.rttUs * 1000;
    if (e.cls === 'eph') this.rstats.remote_eph_pages_succ_get++;
    else this.rstats.remote_pers_pages_succ_get++;
    const exclusive = e.cls === 'eph' || this.exclusiveGets;
    if (exclusive) {
      peer.release(e); // the peer frees its copy with the get
      this.unlinkEntry(e);
      e.remoteNode = null;
      return { content: e.content, block: e.block, freed: true };
    }
    // a persistent get keeps the page: brought back into a local bud if persistent-put's placement finds one
    const node = e.remoteNode;
    e.remoteNode = null;
    if (this.place(e, 'pers')) {
      peer.release(e);
    } else {
      e.remoteNode = node;
      this.rstats.pers_pages_remote_nomem++;
    }
    return { content: e.content, block: e.block, freed: false };
  }

  // ---- the remotify pass -------------------------------------------------------------

  override afterRecord(): void {
    const k = this.host.recordsDone;
    const first = START_S * this.recordsPerSecond;
    if (k < first || (k - first) % this.recordsPerSecond !== 0) return;
    this.pass();
  }

  private pass(): void {
    this.passes++;
    const target = this.peers.get(this.rconfig.target)!;
    for (const cls of ['eph', 'pers'] as const) {
      if (cls === 'eph' ? !this.rconfig.ephRemotify : !this.rconfig.persRemotify) continue;
      for (let i = 0; i < PER_PASS; i++) {
        this.sendFlushes();
        const frame = this.zbud[cls].lruEnd();
        if (frame === null) break;
        this.zbud[cls].zombify(frame);
        this.remotify(frame, target);
      }
    }
  }

  private remotify(frame: Pageframe<ZEntry>, target: Peer): void {
    for (const bud of [0, 1] as const) {
      const b = frame.buds[bud];
      if (b === null) continue;
      const e = b.entry;
      const took = this.upNow(target) && target.take(e, (gone) => this.dropped.add(gone));
      if (!took) {
        if (e.cls === 'eph') this.rstats.eph_pages_remote_failed++;
        else this.rstats.pers_pages_remote_failed++;
        return; // the rest stays in the zombie
      }
      if (e.cls === 'eph') this.rstats.eph_pages_remoted++;
      else this.rstats.pers_pages_remoted++;
      this.zbud[e.cls].free(frame, bud);
      e.frame = null;
      e.remoteNode = target.node;
    }
  }

  private sendFlushes(): void {
    for (const f of this.flushes.splice(0)) {
      const peer = this.peers.get(f.node)!;
      const up = this.upNow(peer);
      if (up) for (const e of f.entries) peer.release(e);
      if (f.kind === 'page') {
        if (up) this.rstats.remote_pages_flushed++;
        else this.rstats.remote_page_flushes_failed++;
      } else if (up) this.rstats.remote_objects_flushed++;
      else this.rstats.remote_object_flushes_failed++;
    }
  }

  // ---- report ----------------------------------------------------------------------

  private remotePersPages(): number {
    let n = 0;
    for (const pool of this.pools) {
      if (pool === null || !pool.persistent) continue;
      for (const o of pool.objects.values()) for (const e of o.values()) if (e.remoteNode !== null) n++;
    }
    return n;
  }

  ramsterReport(): Record<string, unknown> {
    const f = this.foreign;
    return {
      ...this.rstats,
      foreign_eph_pages: f.eph,
      foreign_eph_pages_max: f.ephMax,
      foreign_pers_pages: f.pers,
      foreign_pers_pages_max: f.persMax,
      remote_pers_pages: this.remotePersPages(),
      remotify_passes: this.passes,
    };
  }
}
